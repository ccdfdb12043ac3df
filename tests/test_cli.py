"""The command line: cheap --help, one-line errors, nothing written on failure."""

import subprocess
import sys

from conftest import assert_one_line_error, run_cli


def test_help_imports_no_heavy_library():
    code = ("import sys\nfrom arrhythmia.cli.main import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('torch', 'matplotlib', 'onnxruntime', 'scipy', 'wfdb', 'fastapi', 'uvicorn')\n"
            "         if m in sys.modules]\n"
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("[]"), out


def test_help_and_module_entry():
    p = run_cli("--help")
    assert p.returncode == 0 and "data" in p.stdout
    p = run_cli("data", "summary", "--help")
    assert p.returncode == 0 and "--split" in p.stdout


def test_missing_data_dir(tmp_path):
    p = run_cli("data", "summary", "--data-dir", tmp_path / "nothing")
    assert_one_line_error(p, str(tmp_path / "nothing"), "data directory not found")
    p = run_cli("data", "verify", env={"ARRHYTHMIA_DATA_DIR": str(tmp_path / "nothing")})
    assert_one_line_error(p, "data directory not found")


def test_unknown_command():
    assert_one_line_error(run_cli("frobnicate"), "invalid choice")


def test_verify_reports_the_broken_file(record_copy, tmp_path):
    rec = record_copy("100")
    b = bytearray(rec.with_suffix(".dat").read_bytes())
    b[1000] ^= 0xFF
    rec.with_suffix(".dat").write_bytes(bytes(b))
    p = run_cli("data", "verify", "--data-dir", tmp_path)
    assert p.returncode != 0
    assert "100.dat: checksum mismatch" in p.stderr
    assert "101.hea: header file not found" in p.stderr
    assert "Traceback" not in p.stderr
