#!/usr/bin/python3
"""Executes notebooks headlessly with the tslab (TypeScript) kernel.

Usage (from anywhere; run with /usr/bin/python3, which has nbclient):
    /usr/bin/python3 scripts/run-notebooks.py [--html] [-v] [--timeout S] [notebook.ipynb ...]

Default: every notebooks/*.ipynb. Each notebook runs with its own folder as working
directory; the executed copy is ALWAYS saved to notebooks/out/<name>.ipynb (also when a
cell fails). A failing cell prints its index, its source and its error output (tslab writes
type errors and exceptions on stderr), and the script exits 1. Needs the tslab kernel
(scripts/setup-jupyter.sh) and a built library (npm run build).
"""
import argparse
import glob
import os
import re
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'notebooks', 'out')
ANSI = re.compile(r'\x1b\[[0-9;]*[A-Za-z]')


def ensure_jupyter_path():
    """Makes the repo-local kernel spec (./.jupyter) visible, as setup-jupyter.sh registers it."""
    local = os.path.join(ROOT, '.jupyter', 'share', 'jupyter')
    paths = [p for p in os.environ.get('JUPYTER_PATH', '').split(os.pathsep) if p]
    if local not in paths and os.path.isdir(local):
        os.environ['JUPYTER_PATH'] = os.pathsep.join([local] + paths)


def text_of(output):
    if output.get('output_type') == 'stream':
        return output.get('text', '')
    if output.get('output_type') == 'error':
        tb = '\n'.join(output.get('traceback') or [])
        return f"{output.get('ename', '')}: {output.get('evalue', '')}\n{tb}".strip()
    return ''


def report_failure(path, index, cell, err):
    print(f'FAIL {os.path.relpath(path)}: cell {index} (code cell, execution_count {cell.get("execution_count")})', file=sys.stderr)
    print('---- source ----', file=sys.stderr)
    print(cell.get('source', ''), file=sys.stderr)
    print('---- error output ----', file=sys.stderr)
    shown = False
    for o in cell.get('outputs', []):
        if o.get('output_type') == 'error' or (o.get('output_type') == 'stream' and o.get('name') == 'stderr'):
            print(ANSI.sub('', text_of(o)).rstrip(), file=sys.stderr)
            shown = True
    if not shown:
        print(ANSI.sub('', str(err)).strip() or type(err).__name__, file=sys.stderr)
    print('----------------', file=sys.stderr, flush=True)


def run(path, timeout, kernel, html, verbose):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    folder = os.path.dirname(os.path.abspath(path))
    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel, allow_errors=False,
                            resources={'metadata': {'path': folder}})
    failed = None
    t0 = time.time()
    try:
        with client.setup_kernel():
            count = 0
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != 'code':
                    continue
                count += 1
                c0 = time.time()
                try:
                    # tslab sends no execute_input message: number the cells here.
                    client.execute_cell(cell, index, execution_count=count)
                except Exception as e:  # CellExecutionError, CellTimeoutError, DeadKernelError
                    failed = (index, cell, e)
                    break
                finally:
                    if verbose:
                        first = (cell.source.strip().splitlines() or [''])[0][:70]
                        print(f'  cell {index:3d}  {time.time() - c0:6.1f} s  {first}', flush=True)
    except Exception as e:  # the kernel did not start
        failed = (-1, {'source': '(kernel start)', 'outputs': []}, e)
    elapsed = time.time() - t0
    os.makedirs(OUT, exist_ok=True)
    name = os.path.splitext(os.path.basename(path))[0]
    out = os.path.join(OUT, f'{name}.ipynb')
    nbformat.write(nb, out)
    if html:
        from nbconvert import HTMLExporter
        body, _ = HTMLExporter().from_notebook_node(nb)
        with open(os.path.join(OUT, f'{name}.html'), 'w', encoding='utf-8') as f:
            f.write(body)
    cells = sum(1 for c in nb.cells if c.cell_type == 'code')
    status = 'FAIL' if failed else 'ok  '
    print(f'{status} {os.path.relpath(path)}  {elapsed:.1f} s  ({cells} code cells) -> {os.path.relpath(out)}', flush=True)
    if failed:
        report_failure(path, *failed)
        return False
    return True


def main():
    ap = argparse.ArgumentParser(description='Execute notebooks with the tslab kernel; save executed copies to notebooks/out/.')
    ap.add_argument('notebooks', nargs='*', help='default: notebooks/*.ipynb')
    ap.add_argument('--timeout', type=int, default=600, help='seconds per cell (default 600)')
    ap.add_argument('--kernel', default='tslab')
    ap.add_argument('--html', action='store_true', help='also write notebooks/out/<name>.html')
    ap.add_argument('-v', '--verbose', action='store_true', help='print the time of every cell')
    args = ap.parse_args()
    try:
        import nbclient  # noqa: F401
        import nbformat  # noqa: F401
    except ImportError as e:
        sys.exit(f'run-notebooks: {e}: run with /usr/bin/python3 (apt-get install -y python3-nbclient jupyter-client python3-ipykernel)')
    ensure_jupyter_path()
    from jupyter_client.kernelspec import find_kernel_specs
    if args.kernel not in find_kernel_specs():
        sys.exit(f'run-notebooks: no "{args.kernel}" kernel under JUPYTER_PATH={os.environ.get("JUPYTER_PATH", "")}: run scripts/setup-jupyter.sh')
    if not os.path.exists(os.path.join(ROOT, 'dist', 'src', 'index.js')):
        print('run-notebooks: warning: dist/src/index.js is missing; notebooks import the built library (npm run build)', file=sys.stderr)
    paths = args.notebooks or sorted(glob.glob(os.path.join(ROOT, 'notebooks', '*.ipynb')))
    if not paths:
        sys.exit('run-notebooks: no notebooks found')
    t0 = time.time()
    ok = True
    for p in paths:
        ok = run(p, args.timeout, args.kernel, args.html, args.verbose) and ok
    print(f'{"all ok" if ok else "FAILED"}: {len(paths)} notebook(s) in {time.time() - t0:.1f} s', flush=True)
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
