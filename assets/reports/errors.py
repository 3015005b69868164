"""Why a report cannot be made. Every message is one line that names the
option or path at fault, so the command line can print it as it is."""


class ReportError(ValueError):
    """A report that cannot be made as asked: no snapshot, or an exports
    folder that cannot be written."""


class FilterError(ReportError):
    """Options that contradict each other, or name what the snapshot does not
    hold (a team, an agent, an attribute)."""


class ExportLeakError(ReportError):
    """An agent export would carry another agent's id or group context."""


def check_known(option: str, values: list[str], what: str, known: list[str]) -> None:
    """Refuse any of ``values`` that is not ``known``, in one line that lists
    what is (the first few of many)."""
    unknown = [v for v in values if v not in set(known)]
    if not unknown:
        return
    shown = 20
    listed = ", ".join(known[:shown]) + (
        f", ... ({len(known):,} in all)" if len(known) > shown else ""
    )
    valid = f"the snapshot's {what}: {listed}" if known else f"the snapshot has no {what}"
    raise FilterError(f"unknown {option} {', '.join(map(repr, unknown))}; {valid}")
