//go:build !nodeadlock

package deadlock_test

import (
	"fmt"
	"time"

	"github.com/hotpath/hotpath/deadlock"
)

// Three locks taken in the orders a→b, b→c and c→a can deadlock three
// goroutines, though no two of them are ever inverted. The cycle is reported
// when c→a is first seen, in a run that does not deadlock.
func Example() {
	prev := deadlock.SetOptions(deadlock.Options{OnReport: func(r *deadlock.Report) {
		fmt.Printf("%v: cycle of %d locks\n", r.Kind, len(r.Cycle))
	}})
	defer deadlock.SetOptions(prev)

	var a, b, c deadlock.Mutex
	inOrder := func(x, y *deadlock.Mutex) {
		x.Lock()
		defer x.Unlock()
		y.Lock()
		defer y.Unlock()
	}
	inOrder(&a, &b)
	inOrder(&b, &c)
	fmt.Println("no cycle yet")
	inOrder(&c, &a)
	// Output:
	// no cycle yet
	// LockOrder: cycle of 3 locks
}

// Two goroutines that read-lock two RWMutexes in opposite orders deadlock
// only if writers wait on both, since Go's RLock queues behind a waiting
// writer. The report says so.
func ExampleReport_NeedsWriter() {
	prev := deadlock.SetOptions(deadlock.Options{OnReport: func(r *deadlock.Report) {
		fmt.Println(r.Kind, "needs a writer:", r.NeedsWriter)
	}})
	defer deadlock.SetOptions(prev)

	var a, b deadlock.RWMutex
	a.RLock()
	b.RLock()
	b.RUnlock()
	a.RUnlock()

	b.RLock()
	a.RLock()
	a.RUnlock()
	b.RUnlock()
	// Output:
	// LockOrder needs a writer: true
}

// With a lock class, every Account.mu is one node: nesting two of them is
// reported the first time, before transfer(x, y) ever meets transfer(y, x).
func ExampleSetClass() {
	prev := deadlock.SetOptions(deadlock.Options{OnReport: func(r *deadlock.Report) {
		fmt.Println(r.Kind, "of class", r.Cycle[0].To.Class)
	}})
	defer deadlock.SetOptions(prev)

	accountMu := deadlock.NewClass("Account.mu")
	type Account struct {
		mu      deadlock.Mutex
		balance int
	}
	newAccount := func(balance int) *Account {
		a := &Account{balance: balance}
		deadlock.SetClass(&a.mu, accountMu)
		return a
	}
	transfer := func(from, to *Account, n int) {
		from.mu.Lock()
		defer from.mu.Unlock()
		to.mu.Lock()
		defer to.mu.Unlock()
		from.balance -= n
		to.balance += n
	}
	x, y := newAccount(10), newAccount(0)
	transfer(x, y, 5)
	fmt.Println(x.balance, y.balance)
	// Output:
	// Recursive of class Account.mu
	// 5 5
}

// A Lock that waits longer than WaitTimeout is reported with the goroutine
// that holds the lock and its stack; the timer is armed only on contention.
func ExampleOptions_waitTimeout() {
	reports := make(chan *deadlock.Report, 1)
	prev := deadlock.SetOptions(deadlock.Options{
		WaitTimeout: 10 * time.Millisecond,
		OnReport:    func(r *deadlock.Report) { reports <- r },
	})
	defer deadlock.SetOptions(prev)

	var mu deadlock.Mutex
	mu.Lock()
	done := make(chan struct{})
	go func() {
		mu.Lock() // waits for the holder below
		mu.Unlock()
		close(done)
	}()
	r := <-reports
	fmt.Println(r.Kind, "holders:", len(r.Holders))
	mu.Unlock()
	<-done
	// Output:
	// WaitTimeout holders: 1
}
