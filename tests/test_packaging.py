"""pyproject.toml and environment.yml must list the same dependencies, and the package must ship its SQL."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# conda-forge names that differ from PyPI names
CONDA_TO_PYPI = {"pyyaml": "pyyaml", "scikit-learn": "scikit-learn"}


def _split(req: str) -> tuple[str, str]:
    req = req.split(";")[0]  # environment markers: conda has no equivalent, the bound is what matters
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", req)
    return m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")


def _pyproject() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = project["dependencies"] + project["optional-dependencies"]["test"]
    return dict(_split(r) for r in reqs)


def _environment() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    out = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for pip_dep in dep.get("pip", []):
                if not pip_dep.startswith("-e"):
                    name, spec = _split(pip_dep)
                    out[name] = spec
            continue
        name, spec = _split(dep)
        if name not in ("python", "pip"):
            out[CONDA_TO_PYPI.get(name, name)] = spec
    return out


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    py, env = _pyproject(), _environment()
    assert sorted(set(py) - set(env)) == [], "in pyproject.toml but not environment.yml"
    assert sorted(set(env) - set(py)) == [], "in environment.yml but not pyproject.toml"
    differing = {n: (py[n], env[n]) for n in py if py[n] != env[n]}
    assert differing == {}, "version bounds differ (pyproject, environment.yml)"


def test_python_floor_agrees():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    floor = project["requires-python"].split("#")[0].strip()
    assert f"python{floor}" in env["dependencies"]


def test_installed_package_ships_its_sql_and_command():
    from importlib import metadata, resources

    sql = resources.files("routekit").joinpath("sql")
    assert sql.joinpath("schema.sql").is_file()
    assert any(p.name.startswith("stg_") for p in sql.joinpath("staging").iterdir())
    scripts = {ep.name: ep.value for ep in metadata.entry_points(group="console_scripts")}
    assert scripts.get("routekit") == "routekit.cli:main"
