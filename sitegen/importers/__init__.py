"""Moving in: a WordPress export, a Jekyll site or a Hugo site made into a sitegen site.

Each importer reads its source into an Import (site.py): the items with their front matter and
Markdown, the files to copy, the settings, and a report. write_import() then checks and writes it
all at once. Importers never touch their source, and the same source gives the same bytes.
"""
