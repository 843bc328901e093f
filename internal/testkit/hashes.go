package testkit

import (
	"github.com/alexedwards/argon2id"

	"github.com/rustok/rustok-admin/models"
)

// CheapPasswordParams are the argon2id parameters of every hash made in a test binary that
// imports the test kit: 64 KiB and one pass instead of 19 MiB and two, so a fixture user costs
// microseconds rather than ~50 ms. Production binaries never import this package
// (TestProductionDoesNotImportTestkit), so they keep models.ProductionPasswordParams.
var CheapPasswordParams = argon2id.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}

func init() { models.PasswordParams = &CheapPasswordParams }
