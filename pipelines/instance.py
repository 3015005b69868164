"""The one Dagster instance that ``coachwh run``, the daemon and the UI share.

It lives at ``$COACHWH_HOME/dagster_home``, or at ``DAGSTER_HOME`` when that
is set. Its ``dagster.yaml`` (this folder's: one run at a time in the writer
pool, no first-visit dialog) is put in place by whichever starts first, the
CLI or ``coachwh dev``. Storage is Dagster's SQLite, which the CLI's process,
the webserver, the daemon and the run workers share.

Plain Python until a function needs Dagster: the CLI imports this module on
every run, also on the ones with nothing new.
"""

import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from models.settings import QUIET_ENV, Settings

if TYPE_CHECKING:
    from dagster import DagsterInstance

INSTANCE_YAML = Path(__file__).with_name("dagster.yaml")
WORKSPACE = Path(__file__).resolve().parent.parent / "workspace.yaml"


def ensure_instance_home(settings: Settings) -> Path:
    """The instance's folder, with its ``dagster.yaml`` in place. Under
    ``COACHWH_HOME`` the instance is the project's own and its file is kept
    equal to this folder's; at a ``DAGSTER_HOME`` set by the user, a
    ``dagster.yaml`` already there is theirs and is left as it is."""
    home = settings.dagster_home_dir
    home.mkdir(parents=True, exist_ok=True)
    target = home / "dagster.yaml"
    wanted = INSTANCE_YAML.read_text(encoding="utf-8")
    ours = settings.origin("dagster_home") == "home"
    if not target.exists() or (ours and target.read_text(encoding="utf-8") != wanted):
        # Renamed into place: a process starting at the same moment reads
        # the old file or the new one, never half of one.
        partial = home / f".dagster.yaml.{os.getpid()}.tmp"
        partial.write_text(wanted, encoding="utf-8")
        partial.replace(target)
    return home


def open_instance(settings: Settings) -> "DagsterInstance":
    """The shared instance, ready for runs of this process."""
    from dagster import DagsterInstance

    return DagsterInstance.from_config(str(ensure_instance_home(settings)))


def exec_dagster_dev(settings: Settings, host: str, port: int) -> NoReturn:
    """Become ``dagster dev`` (webserver, daemon, code location) on the shared
    instance, with these settings in its environment: signals sent to this
    process reach Dagster itself."""
    home = ensure_instance_home(settings)
    env = {**os.environ, **QUIET_ENV, **settings.environment(), "DAGSTER_HOME": str(home)}
    # A process started in the background by a shell inherits SIGINT
    # ignored, and an ignored signal stays ignored across exec. dagster dev
    # handles SIGTERM with SIGINT's handler, so it would ignore both and only
    # SIGKILL would stop it; with the default restored, Python turns SIGINT
    # into KeyboardInterrupt, and dagster dev stops its services on either.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    dagster = str(Path(sys.executable).parent / "dagster")
    command = [dagster, "dev", "-w", str(WORKSPACE), "-h", host, "-p", str(port)]
    sys.stdout.flush()
    os.execve(dagster, command, env)
