package deadlock

// maxSubclass is the number of subclasses LockNested accepts besides 0,
// as lockdep's MAX_LOCKDEP_SUBCLASSES.
const maxSubclass = 7

// Class groups locks into one node of the lock-order graph, as Linux's
// lockdep does with lock classes: every lock of one struct field, say every
// Account.mu, is one class. With classes, an inversion between two
// instances of the same type (transfer(a, b) locking a.mu then b.mu while
// transfer(b, a) locks b.mu then a.mu) is caught the first time two locks of
// the class are nested, even if the two instances were never seen in both
// orders. Without a class each lock is its own node.
//
// Locks of one class that are legitimately taken together, in an order the
// code enforces (by address, by id), are taken with [LockNested].
//
// Create classes once, as package-level variables, and assign them with
// [SetClass] before the lock's first use.
type Class struct {
	name string
	impl classImpl
}

// NewClass returns a new lock class. The name appears in reports.
func NewClass(name string) *Class { return &Class{name: name} }

// Name returns the name given to [NewClass].
func (c *Class) Name() string { return c.name }
