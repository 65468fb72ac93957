"""Run the knowledge base command line (``python -m knowledge_base``)."""

from knowledge_base.cli import main

raise SystemExit(main())
