package authz

import "slices"

// Resources and Actions are the permission vocabulary (DESIGN.md): a permission is one
// resource and one action, and "manage" implies every action.
var (
	Resources = []string{"tenants", "users", "roles", "settings", "nodes", "products", "inventory", "events"}
	Actions   = []string{"list", "read", "create", "update", "delete", "publish", "export", "import", "manage"}
)

// TenantResources are the resources a tenant's roles can be given: all of them but "tenants",
// which only the platform manages.
var TenantResources = slices.DeleteFunc(slices.Clone(Resources), func(r string) bool { return r == "tenants" })
