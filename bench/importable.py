"""Makes a demo workbook importable, working around a dangjian bug (reported, not fixed here).

`dangjian demo --xlsx` and `dangjian export` write a dissolved party org (撤销日期 set) with an
empty 覆盖社会组织 column, which `dangjian import` rejects as a required field ("必填项为空"),
and then also rejects every 任职 row naming such a party org. So the exported workbook cannot be
re-imported as is. This script drops exactly those rows (dissolved party orgs with no covered
org, and the 任职 rows that name them) by deleting their <row> elements from the sheet XML,
leaving every other byte of the workbook as dangjian wrote it.

usage: importable.py IN.xlsx OUT.xlsx
"""

import re
import sys
import zipfile

from python_calamine import CalamineWorkbook

src, dst = sys.argv[1], sys.argv[2]
wb = CalamineWorkbook.from_path(src)


def rows(name):
    return wb.get_sheet_by_name(name).to_python(skip_empty_area=False)


party = rows("党组织")
head = [str(h) for h in party[0]]
c_name = next(i for i, h in enumerate(head) if h.startswith("党组织名称"))
c_cov = next(i for i, h in enumerate(head) if h.startswith("覆盖社会组织"))
drop_party, dropped_names = set(), set()
for n, r in enumerate(party[1:], start=2):
    if c_cov >= len(r) or str(r[c_cov]).strip() == "":
        drop_party.add(n)
        dropped_names.add(str(r[c_name]).strip())

pos = rows("任职")
head = [str(h) for h in pos[0]]
c_org = next(i for i, h in enumerate(head) if h.startswith("任职组织"))
drop_pos = {n for n, r in enumerate(pos[1:], start=2)
            if c_org < len(r) and str(r[c_org]).strip() in dropped_names}

# sheet name -> part name inside the zip
zin = zipfile.ZipFile(src)
wbxml = zin.read("xl/workbook.xml").decode()
rels = zin.read("xl/_rels/workbook.xml.rels").decode()
rid = dict(re.findall(r'<sheet name="([^"]+)" sheetId="\d+" r:id="([^"]+)"', wbxml))
target = dict(re.findall(r'Id="([^"]+)" Type="[^"]+/worksheet" Target="([^"]+)"', rels))
part = {name: "xl/" + target[r] for name, r in rid.items()}
drops = {part["党组织"]: drop_party, part["任职"]: drop_pos}


def strip_rows(xml, numbers):
    return re.sub(r'<row r="(\d+)"[^>]*>.*?</row>',
                  lambda m: "" if int(m.group(1)) in numbers else m.group(0), xml, flags=re.S)


with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
    for info in zin.infolist():
        data = zin.read(info.filename)
        if info.filename in drops:
            data = strip_rows(data.decode(), drops[info.filename]).encode()
        zout.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
print(f"dropped {len(drop_party)} 党组织 rows (dissolved, no covered org) and "
      f"{len(drop_pos)} 任职 rows naming them")
