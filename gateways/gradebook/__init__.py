"""The class journal as files: an XLSX workbook and a printable PDF."""
