import subprocess
import sys
import zipfile


def test_the_wheel_ships_the_schemas(tmp_path):
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), "."],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    wheel = next(tmp_path.glob("telemetry_audit-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "audit/schemas/backend-event.schema.json" in names
    assert "audit/schemas/events/FATAL.schema.json" in names
    assert "audit/schemas/agent-events.schema.json" in names


def test_headless_commands_never_load_textual():
    code = "import sys, audit.faces.cli; audit.faces.cli.main(['codes']); assert 'textual' not in sys.modules"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
