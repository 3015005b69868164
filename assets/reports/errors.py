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


LISTED = 20  # an error lists this many known values, then how many there are


def check_known(option: str, values: list[str], what: str, known: list[str]) -> None:
    """Refuse any of ``values`` that is not ``known``, in one line that lists
    what is (the first :data:`LISTED` of many)."""
    unknown = sorted(set(values) - set(known))
    if not unknown:
        return
    listed = ", ".join(known[:LISTED])
    if len(known) > LISTED:
        listed += f", ... ({len(known):,} in all)"
    valid = f"the snapshot's {what}: {listed}" if known else f"the snapshot has no {what}"
    raise FilterError(f"unknown {option} {', '.join(map(repr, unknown))}; {valid}")
