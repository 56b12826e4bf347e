"""Builds memkd's Swift extension (`memkd._memkd`) with SwiftPM; metadata is in pyproject.toml.

`pip install ./bindings/python` runs `swift build -c release --product MemKDPy` in the
repository that holds this folder (two levels up; `$MEMKD_REPO` overrides) and installs
`.build/release/libMemKDPy.so` as `memkd/_memkd<EXT_SUFFIX>`. The extension is compiled against
the headers of the interpreter that runs this build (its `LIBPC` is put first on
`PKG_CONFIG_PATH`). `$MEMKD_SWIFT_SCRATCH` selects another SwiftPM build folder
(`--scratch-path`).
"""

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent


def repository() -> Path:
    root = Path(os.environ.get("MEMKD_REPO") or HERE.parent.parent).resolve()
    if not (root / "Package.swift").is_file() or not (root / "Sources" / "MemKDPy").is_dir():
        raise SystemExit(
            f"memkd: cannot build the Swift extension: {root} is not the MemKD repository (no "
            "Package.swift with Sources/MemKDPy). Install from a checkout "
            "(`pip install ./bindings/python` in the repository), or set MEMKD_REPO.")
    return root


def version() -> str:
    """MemKDVersion.string in Sources/MemKDCore/Version.swift (the one version of the project)."""
    source = HERE.parent.parent / "Sources" / "MemKDCore" / "Version.swift"
    if os.environ.get("MEMKD_REPO"):
        source = Path(os.environ["MEMKD_REPO"]) / "Sources" / "MemKDCore" / "Version.swift"
    match = re.search(r'string\s*=\s*"([^"]+)"', source.read_text()) if source.is_file() else None
    return match.group(1) if match else "0.1.0"


class SwiftBuild(build_ext):
    """Builds the `memkd._memkd` extension with `swift build` instead of a C compiler."""

    def build_extension(self, ext: Extension) -> None:
        root = repository()
        swift = shutil.which("swift")
        if swift is None:
            raise SystemExit("memkd: `swift` is not on PATH; a Swift 6 toolchain is needed to "
                             "build the extension")
        env = dict(os.environ)
        libpc = sysconfig.get_config_var("LIBPC") or ""
        if libpc:
            env["PKG_CONFIG_PATH"] = os.pathsep.join(
                p for p in (libpc, os.environ.get("PKG_CONFIG_PATH", "")) if p)
        command = [swift, "build", "-c", "release", "--product", "MemKDPy"]
        scratch = os.environ.get("MEMKD_SWIFT_SCRATCH")
        if scratch:
            command += ["--scratch-path", scratch]
        print(f"memkd: {' '.join(command)} (in {root}, PKG_CONFIG_PATH={env.get('PKG_CONFIG_PATH', '')})",
              file=sys.stderr, flush=True)
        subprocess.run(command, cwd=root, env=env, check=True)
        bin_path = subprocess.run(command + ["--show-bin-path"], cwd=root, env=env, check=True,
                                  capture_output=True, text=True).stdout.strip().splitlines()[-1]
        library = Path(bin_path) / "libMemKDPy.so"
        if not library.is_file():
            raise SystemExit(f"memkd: swift build finished but {library} is missing")
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(library, target)
        os.chmod(target, 0o755)


setup(
    version=version(),
    ext_modules=[Extension("memkd._memkd", sources=[])],
    cmdclass={"build_ext": SwiftBuild},
)
