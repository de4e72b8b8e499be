from .build.cli import main

raise SystemExit(main())
