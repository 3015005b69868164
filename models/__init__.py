"""Pydantic contracts of the landing-zone streams (DESIGN.md section 2).

These are the *input* contracts. The dbt models that build the warehouse live
in ``dbt_project/models``; the two share only the word "models".
"""

from models.streams import STREAMS, StreamContract

__all__ = ["STREAMS", "StreamContract"]
