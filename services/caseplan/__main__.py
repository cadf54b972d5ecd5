"""`python -m services.caseplan`: the service; with a task (`rotate-key`, `audit verify`,
`aufbewahrung`, `dev-keys`), that operator task on the service's database (services.caseplan.ops)."""

import sys

if len(sys.argv) > 1:
    from services.caseplan import ops

    sys.exit(ops.main(sys.argv[1:]))

from services.caseplan.main import run

run()
