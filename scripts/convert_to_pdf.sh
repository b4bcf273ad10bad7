#!/usr/bin/env bash
# Convert every workbook of a publication to PDF with LibreOffice headless, to check that the
# lists print (A4 landscape, fit to width, page numbers). Not part of CI.
#   bash scripts/convert_to_pdf.sh data/sample/out/2026Q3 [/tmp/pdf]
# Needs LibreOffice: apt-get install -y libreoffice-calc fonts-noto-cjk
set -euo pipefail
publication=${1:?usage: convert_to_pdf.sh <out/quarter folder> [target folder]}
target=${2:-$(mktemp -d)}
mkdir -p "$target"
find -L "$publication" -name '*.xlsx' -print0 | while IFS= read -r -d '' workbook; do
  soffice --headless --convert-to pdf --outdir "$target" "$workbook" >/dev/null
  echo "$(basename "${workbook%.xlsx}").pdf"
done
echo "PDFs in $target"
