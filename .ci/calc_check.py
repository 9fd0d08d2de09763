#!/usr/bin/env python3
"""LibreOffice Calc reads livemarket's files as they are written: called by .ci/calc-test.

    calc_check.py csv PROFILE LOCALE DIALECT LANG_ID OUT_TSV CSV...
    calc_check.py xlsx PROFILE LOCALE XLSX CSV_DIR OUT_TSV

`csv`: Calc (its settings in PROFILE set to LOCALE, e.g. de-DE) imports each CSV with the
settings the README gives for DIALECT (`standard`: separated by comma; `decimal-comma`:
separated by semicolon) and the language LANG_ID (1033 English (USA), 1031 German), saves it
as xlsx, and every non-empty cell is compared with the text written: a number must be a number
cell equal to the written value (so seeds must be exact), an ISO date a date cell of that
day, anything else a text cell of that text (text that starts like a formula included), and
no cell may be a formula. `xlsx`: Calc opens a workbook (report.xlsx, compare.xlsx) and saves it
again; every cell of the sheets copied from CSV files must hold the CSV's value, no cell may
be a formula, and every chart must keep its series, each named by a cell that holds its name
(report.xlsx must have charts).

One line per file goes to OUT_TSV: file, locale, dialect, cells checked, mismatches,
examples. Exit status 1 when any file has a mismatch.
"""
import csv
import datetime
import os
import re
import subprocess
import sys
import tempfile
import zipfile
import xml.etree.ElementTree as ET

M = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PR = "http://schemas.openxmlformats.org/package/2006/relationships"
C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
EPOCH = datetime.date(1899, 12, 30)


def profile(path, locale):
    """A Calc user profile whose locale setting is `locale`: its number and date
    recognition, as a user with those settings has it."""
    user = os.path.join(path, "user")
    os.makedirs(user, exist_ok=True)
    with open(os.path.join(user, "registrymodifications.xcu"), "w") as f:
        f.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
            'xmlns:xs="http://www.w3.org/2001/XMLSchema" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
            '<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" '
            f'oor:op="fuse"><value>{locale}</value></prop></item>\n'
            '<item oor:path="/org.openoffice.Office.Linguistic/General"><prop '
            f'oor:name="DefaultLocale" oor:op="fuse"><value>{locale}</value></prop></item>\n'
            "</oor:items>\n"
        )
    return "file://" + os.path.abspath(path)


def convert(prof, infilter, files, outdir):
    """Calc opens `files` (with `infilter`, if any) and saves them as xlsx in `outdir`."""
    cmd = ["soffice", f"-env:UserInstallation={prof}", "--headless"]
    if infilter:
        cmd.append(f"--infilter={infilter}")
    cmd += ["--convert-to", "xlsx", "--outdir", outdir] + list(files)
    subprocess.run(cmd, check=True, capture_output=True, timeout=900)
    for f in files:
        out = os.path.join(outdir, os.path.splitext(os.path.basename(f))[0] + ".xlsx")
        if not os.path.isfile(out):
            sys.exit(f"calc_check: Calc did not convert {f}")


def col_index(ref):
    n = 0
    for ch in re.match(r"[A-Z]+", ref).group(0):
        n = n * 26 + ord(ch) - 64
    return n - 1


def sheets(xlsx):
    """{sheet name: {(row, col): (value, is_formula, style)}}, and the zip."""
    z = zipfile.ZipFile(xlsx)
    shared = []
    if "xl/sharedStrings.xml" in z.namelist():
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall(f"{{{M}}}si"):
            shared.append("".join(t.text or "" for t in si.iter(f"{{{M}}}t")))
    book = ET.fromstring(z.read("xl/workbook.xml"))
    rels = {
        r.get("Id"): r.get("Target")
        for r in ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    }
    out = {}
    for s in book.iter(f"{{{M}}}sheet"):
        target = rels[s.get(f"{{{R}}}id")].lstrip("/")
        path = target if target.startswith("xl/") else "xl/" + target
        cells = {}
        for row in ET.fromstring(z.read(path)).iter(f"{{{M}}}row"):
            for c in row.findall(f"{{{M}}}c"):
                v, f = c.find(f"{{{M}}}v"), c.find(f"{{{M}}}f")
                t = c.get("t")
                if t == "inlineStr":
                    val = "".join(x.text or "" for x in c.iter(f"{{{M}}}t"))
                elif v is None:
                    continue
                elif t == "s":
                    val = shared[int(v.text)]
                elif t in ("str", "e"):
                    val = v.text
                elif t == "b":
                    val = bool(int(v.text))
                else:
                    val = float(v.text)
                ref = c.get("r")
                cells[(int(re.search(r"\d+", ref).group(0)) - 1, col_index(ref))] = (
                    val,
                    f is not None,
                )
        out[s.get("name")] = cells
    return out, z


def number_text(text, mark):
    """The value of a plain decimal written with decimal mark `mark`, else None."""
    if re.fullmatch(r"-?\d+(" + re.escape(mark) + r"\d+)?", text):
        return float(text.replace(mark, "."))
    return None


def check_cell(text, got, mark):
    """Whether Calc's cell `got` (value, is_formula) holds what `text` says."""
    val, formula = got
    if formula:
        return False
    want = number_text(text, mark)
    if want is not None:
        return isinstance(val, float) and val == want
    if re.fullmatch(r"\d{4}-\d\d-\d\d", text):
        day = datetime.date.fromisoformat(text)
        return isinstance(val, float) and val == (day - EPOCH).days
    return val == text


def compare(rows, cells, mark, skip_header=False):
    n = bad = 0
    examples = []
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            if text == "" or (skip_header and r == 0):
                continue
            n += 1
            got = cells.get((r, c), (None, False))
            if not check_cell(text, got, mark):
                bad += 1
                if len(examples) < 3:
                    examples.append(f"{text!r}->{got[0]!r}")
    return n, bad, examples


def csv_mode(prof_dir, locale, dialect, lang, out, files):
    sep, mark = (",", ".") if dialect == "standard" else (";", ",")
    infilter = f"CSV:{ord(sep)},34,76,1,,{lang}"
    d = tempfile.mkdtemp()
    convert(profile(prof_dir, locale), infilter, files, d)
    failed = False
    with open(out, "a") as o:
        for f in files:
            name = os.path.splitext(os.path.basename(f))[0]
            got, _ = sheets(os.path.join(d, name + ".xlsx"))
            with open(f, newline="") as fh:
                rows = list(csv.reader(fh, delimiter=sep))
            n, bad, ex = compare(rows, next(iter(got.values())), mark)
            failed |= bad > 0 or n == 0
            o.write(f"{os.path.basename(f)}\t{locale}\t{dialect}\t{n}\t{bad}\t{'; '.join(ex)}\n")
    return failed


def chart_series(z):
    """Per chart part: [(name formula, name text cached)] of its series."""
    out = {}
    for part in sorted(p for p in z.namelist() if re.match(r"xl/charts/chart\d+\.xml$", p)):
        series = []
        for ser in ET.fromstring(z.read(part)).iter(f"{{{C}}}ser"):
            tx = ser.find(f"{{{C}}}tx")
            ref = tx.find(f".//{{{C}}}f") if tx is not None else None
            cached = tx.find(f".//{{{C}}}v") if tx is not None else None
            series.append(
                (
                    ref.text if ref is not None else None,
                    cached.text if cached is not None else None,
                )
            )
        out[part] = series
    return out


def resolve(ref, book):
    """The value of the cell a series name formula such as `charts!$B$20` names."""
    m = re.fullmatch(r"'?([^'!]+)'?!\$?([A-Z]+)\$?(\d+)", ref or "")
    if not m:
        return None
    cells = book.get(m.group(1), {})
    return cells.get((int(m.group(3)) - 1, col_index(m.group(2))), (None, False))[0]


def xlsx_mode(prof_dir, locale, xlsx, csv_dir, out):
    d = tempfile.mkdtemp()
    convert(profile(prof_dir, locale), None, [xlsx], d)
    book, z = sheets(os.path.join(d, os.path.basename(xlsx)))
    failed = False
    # The folder's dialect, for the table: .ci/calc-test writes DIALECT/=sweep/report.xlsx.
    workbook = os.path.basename(xlsx)
    label = "xlsx of " + os.path.basename(os.path.dirname(os.path.dirname(os.path.abspath(xlsx))))
    with open(out, "a") as o:
        for name, cells in book.items():
            path = os.path.join(csv_dir, name + ".csv")
            formulas = sum(1 for v in cells.values() if v[1])
            if os.path.isfile(path):
                sep = ";" if ";" in open(path).readline() else ","
                with open(path, newline="") as fh:
                    rows = list(csv.reader(fh, delimiter=sep))
                n, bad, ex = compare(rows, cells, "," if sep == ";" else ".")
            else:
                n, bad, ex = len(cells), formulas, []
            failed |= bad > 0 or n == 0
            o.write(f"{workbook}:{name}\t{locale}\t{label}\t{n}\t{bad}\t{'; '.join(ex)}\n")
        charts = chart_series(z)
        n = bad = 0
        ex = []
        for part, series in charts.items():
            for ref, cached in series:
                n += 1
                shown = resolve(ref, book)
                # The weekly charts' series are a market's p05, p50 and p95; the totals
                # chart's, the median column.
                right = re.fullmatch(r".+ (p05|p50|p95)|p50 \(median\)", str(shown))
                if right is None or (cached is not None and cached != shown):
                    bad += 1
                    if len(ex) < 3:
                        ex.append(f"{part}: {ref!r} -> {shown!r} (cached {cached!r})")
        if workbook == "report.xlsx":
            failed |= bad > 0 or n == 0
        else:
            failed |= bad > 0
        o.write(f"{workbook}:chart series\t{locale}\t{label}\t{n}\t{bad}\t{'; '.join(ex)}\n")
    return failed


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "csv":
        prof, locale, dialect, lang, out = sys.argv[2:7]
        failed = csv_mode(prof, locale, dialect, lang, out, sys.argv[7:])
    else:
        prof, locale, xlsx, csv_dir, out = sys.argv[2:7]
        failed = xlsx_mode(prof, locale, xlsx, csv_dir, out)
    sys.exit(1 if failed else 0)
