"""The shared kit every phase writes with — below every phase, importing none of them:
workbooks (`workbook`: layouts, print set-up, the one list writer; `xlsx_rows`: rows streamed into
a template sheet), HTML pieces (`html`), masking identity numbers (`masking`), working-day
deadlines (`deadlines`) and atomic publication of a folder (`atomic`)."""
