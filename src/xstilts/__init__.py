"""xstilts: syntactic vs semantic English intermediate-task training and zero-shot XNLI (X-STILTs)."""

__version__ = "0.1.0"
