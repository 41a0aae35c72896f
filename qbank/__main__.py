from qbank.cli import main

raise SystemExit(main())
