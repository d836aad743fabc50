#!/usr/bin/env bash
# Registers the tslab (TypeScript) Jupyter kernel into ./.jupyter without a global install.
# Idempotent. Afterwards: export JUPYTER_PATH="$PWD/.jupyter/share/jupyter"
# Needs: npm ci done (node_modules/tslab), and apt packages
#   jupyter-nbconvert python3-nbclient jupyter-client python3-ipykernel
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
py=/usr/bin/python3   # not the first python3 on PATH: that one may lack Jupyter

if ! "$py" -c 'import nbclient, nbformat, jupyter_client' 2>/dev/null; then
  echo "setup-jupyter: $py cannot import nbclient/nbformat/jupyter_client;" >&2
  echo "  apt-get install -y jupyter-nbconvert python3-nbclient jupyter-client python3-ipykernel" >&2
  exit 1
fi
if [ ! -x node_modules/.bin/tslab ]; then
  echo "setup-jupyter: node_modules/.bin/tslab is missing: run npm ci first" >&2
  exit 1
fi

kernels="$root/.jupyter/share/jupyter/kernels"
spec="$kernels/tslab/kernel.json"
binary="$root/node_modules/.bin/tslab"
if [ -f "$spec" ] && grep -qF "\"$binary\"" "$spec"; then
  echo "setup-jupyter: tslab kernel already registered ($spec)"
else
  node node_modules/tslab/bin/tslab install --python="$py" --binary="$binary" --prefix="$root/.jupyter"
fi

export JUPYTER_PATH="$root/.jupyter/share/jupyter"
if ! "$py" -c 'import jupyter_client.kernelspec as k, sys; sys.exit(0 if "tslab" in k.find_kernel_specs() else 1)'; then
  echo "setup-jupyter: kernel tslab not visible under JUPYTER_PATH=$JUPYTER_PATH" >&2
  exit 1
fi
echo "setup-jupyter: ok. Before running notebooks:"
echo "export JUPYTER_PATH=\"$JUPYTER_PATH\""
