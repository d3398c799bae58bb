"""The layer is built by pip for the Lambda platform, never by Docker."""

from __future__ import annotations

from pathlib import Path

from infrastructure.layer_bundling import LocalPipBundling, pip_install_command


def test_pip_targets_lambda_arm64_python_312_wheels_only() -> None:
    cmd = pip_install_command(Path("layers/core/requirements.txt"), Path("/out/python"))
    joined = " ".join(cmd)
    assert "--platform manylinux2014_aarch64" in joined
    assert "--platform manylinux_2_28_aarch64" in joined
    assert "--python-version 3.12" in joined
    assert "--implementation cp" in joined
    assert "--only-binary=:all:" in cmd
    assert "--target /out/python" in joined


def test_local_bundling_copies_the_package_next_to_its_dependencies(tmp_path, monkeypatch) -> None:
    layer = tmp_path / "layer"
    (layer / "python" / "pkg" / "__pycache__").mkdir(parents=True)
    (layer / "python" / "pkg" / "__init__.py").write_text("X = 1\n")
    (layer / "python" / "pkg" / "__pycache__" / "x.pyc").write_text("")
    (layer / "requirements.txt").write_text("")
    (layer / "python" / "botocore").mkdir()  # stands in for what pip would install

    class Done:
        returncode = 0
        stderr = ""

    def fake_pip(cmd, **_kwargs):
        target = Path(cmd[cmd.index("--target") + 1])
        (target / "botocore").mkdir(parents=True, exist_ok=True)
        (target / "tenacity").mkdir(parents=True, exist_ok=True)
        return Done()

    monkeypatch.setattr("infrastructure.layer_bundling.subprocess.run", fake_pip)
    out = tmp_path / "out"
    assert LocalPipBundling(layer, "pkg").try_bundle(str(out)) is True
    assert (out / "python" / "pkg" / "__init__.py").read_text() == "X = 1\n"
    assert not (out / "python" / "pkg" / "__pycache__").exists()
    assert (out / "python" / "tenacity").is_dir()
    assert not (out / "python" / "botocore").exists()  # the runtime provides it
