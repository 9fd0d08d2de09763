#!/usr/bin/env python3
"""Opens a livemarket page (report.html, compare.html, a calibration's report.html) in
headless Chromium and checks its layout: every chart inside its card and as wide as the
card, no chart without data, nothing wider than the window, no script error. Prints one
JSON line of findings (charts, page height, seconds) and exits 1 on any problem.

    page_check.py PAGE.html [--width W] [--screenshot OUT.png]

The page itself is never changed: a copy with a checking script at the end of its body is
written to a temporary folder, opened with --dump-dom, and the script's findings read back
from the dumped DOM. With --screenshot, the first screen (W x 1000 px) of the page itself
is saved too.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

# Runs at the end of the body, after the page's own markup and scripts: layout is forced
# by the measurements. Errors thrown by the page's scripts are caught by the handler
# installed at the start of the head.
PROBE_HEAD = """<script>window.__lm_errors=[];window.addEventListener('error',
function(e){window.__lm_errors.push(String(e.message||e));});</script>"""
PROBE = """<script>(function(){
var out={errors:window.__lm_errors.slice(),problems:[],charts:0};
try{
var vw=document.documentElement.clientWidth;
out.width=vw;
out.height=Math.max(document.documentElement.scrollHeight,document.body.scrollHeight);
out.scroll_width=document.documentElement.scrollWidth;
if(out.scroll_width>vw+1)out.problems.push('the page is '+out.scroll_width+' px wide in a '+vw+' px window');
var figs=document.querySelectorAll('figure');
for(var i=0;i<figs.length;i++){
 var f=figs[i],svg=f.querySelector('svg');
 var name=f.id||('figure '+i);
 if(!svg){out.problems.push(name+': a card without a chart');continue;}
 out.charts++;
 var fr=f.getBoundingClientRect(),sr=svg.getBoundingClientRect();
 var cs=getComputedStyle(f);
 var inner=fr.width-parseFloat(cs.paddingLeft)-parseFloat(cs.paddingRight)-parseFloat(cs.borderLeftWidth)-parseFloat(cs.borderRightWidth);
 if(sr.width<1||sr.height<1)out.problems.push(name+': the chart has no size');
 if(sr.left<fr.left-1||sr.right>fr.right+1||sr.top<fr.top-1||sr.bottom>fr.bottom+1)
  out.problems.push(name+': the chart ('+Math.round(sr.left)+'..'+Math.round(sr.right)+') is outside its card ('+Math.round(fr.left)+'..'+Math.round(fr.right)+')');
 if(sr.width<inner-2)out.problems.push(name+': the chart fills '+Math.round(100*sr.width/inner)+'% of its card');
 var pts=parseInt(svg.getAttribute('data-points')||'-1',10);
 var shapes=svg.querySelectorAll('path,circle,rect,line').length;
 if(pts===0||shapes<2)out.problems.push(name+': an empty chart');
 var vb=svg.viewBox&&svg.viewBox.baseVal;
 if(!vb||vb.width<=0||vb.height<=0)out.problems.push(name+': no viewBox');
}
var tables=document.querySelectorAll('table');
for(var k=0;k<tables.length;k++){
 var t=tables[k].getBoundingClientRect(),m=document.querySelector('main').getBoundingClientRect();
 var box=tables[k].parentElement.getBoundingClientRect();
 if(Math.min(t.right,box.right)>m.right+1)out.problems.push('table '+k+' sticks out of the page');
}
}catch(e){out.errors.push('check: '+e);}
var pre=document.createElement('pre');pre.id='lm-check';pre.textContent=JSON.stringify(out);
document.body.appendChild(pre);})();</script>"""


def browser():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit("error: chromium not found; install it with: apt-get install -y chromium")


def chromium(args, profile):
    base = [
        browser(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--hide-scrollbars", "--user-data-dir=" + profile,
        "--enable-logging=stderr", "--v=0",
    ]
    return subprocess.run(base + args, capture_output=True, text=True, timeout=300)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("page")
    ap.add_argument("--width", type=int, default=1500)
    ap.add_argument("--screenshot")
    a = ap.parse_args()
    html = open(a.page, encoding="utf-8").read()
    work = tempfile.mkdtemp()
    try:
        probe = os.path.join(work, "page.html")
        head = html.replace("<head>", "<head>\n" + PROBE_HEAD, 1)
        with open(probe, "w", encoding="utf-8") as f:
            f.write(head.replace("</body>", PROBE + "\n</body>", 1))
        start = time.monotonic()
        r = chromium(["--window-size=%d,1000" % a.width, "--dump-dom", "file://" + probe],
                     os.path.join(work, "profile"))
        seconds = time.monotonic() - start
        m = re.search(r'<pre id="lm-check">(.*?)</pre>', r.stdout, re.S)
        if not m:
            sys.stderr.write(r.stderr[-3000:])
            sys.exit("error: %s: the page check did not run (chromium exit %d)"
                     % (a.page, r.returncode))
        found = json.loads(m.group(1).replace("&lt;", "<").replace("&gt;", ">")
                           .replace("&quot;", '"').replace("&amp;", "&"))
        # Console errors of the page's own scripts (an uncaught exception, a failed load).
        for line in r.stderr.splitlines():
            if "CONSOLE" in line and ("Uncaught" in line or ":ERROR:" in line):
                found["errors"].append(line.strip())
        found["seconds"] = round(seconds, 2)
        found["page"] = a.page
        if a.screenshot:
            s = chromium(["--window-size=%d,1000" % a.width, "--screenshot=" + a.screenshot,
                          "file://" + os.path.abspath(a.page)], os.path.join(work, "shot"))
            if not os.path.isfile(a.screenshot) or os.path.getsize(a.screenshot) == 0:
                sys.stderr.write(s.stderr[-3000:])
                sys.exit("error: chromium wrote no " + a.screenshot)
        print(json.dumps(found))
        if found["errors"] or found["problems"]:
            for e in found["errors"]:
                print("%s: script error: %s" % (a.page, e), file=sys.stderr)
            for p in found["problems"][:50]:
                print("%s: %s" % (a.page, p), file=sys.stderr)
            sys.exit(1)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
