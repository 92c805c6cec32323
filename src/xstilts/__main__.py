from xstilts.cli import main

raise SystemExit(main())
