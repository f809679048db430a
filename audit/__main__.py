from audit.faces.cli import main

raise SystemExit(main())
