// Added by the directory service's build (ferretdb/_patch): lets backends.AsTyped reach the decorated collection.

package oplog

import "github.com/FerretDB/FerretDB/internal/backends"

// Unwrap returns the decorated collection.
func (c *collection) Unwrap() backends.Collection { return c.origC }
