"""Operations: the Prometheus adapter for :mod:`bot.metrics` and the ``/healthz`` and ``/metrics``
endpoints ``warmline run`` serves on ``[ops] port``."""
