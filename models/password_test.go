package models_test

import (
	"testing"

	"github.com/alexedwards/argon2id"

	"github.com/rustok/rustok-admin/models"
)

func TestProductionPasswordParamsAreOWASPs(t *testing.T) {
	// The test kit makes this binary's hashes cheap; what production hashes with must not move.
	want := argon2id.Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}
	if models.ProductionPasswordParams != want {
		t.Fatalf("production argon2id parameters changed: %+v, want %+v", models.ProductionPasswordParams, want)
	}
	if *models.PasswordParams == models.ProductionPasswordParams {
		t.Fatal("tests hash with production parameters: the test kit's cheap ones are not in effect")
	}
	// A hash made with production parameters (any stored hash) still verifies under the cheap ones.
	h, err := argon2id.CreateHash("correct horse battery", &models.ProductionPasswordParams)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := argon2id.ComparePasswordAndHash("correct horse battery", h); !ok || err != nil {
		t.Fatalf("a production hash does not verify: %v %v", ok, err)
	}
}
