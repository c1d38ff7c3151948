package memory

import "errors"

// Errors returned by the pool. They are sentinel values: test with errors.Is.
var (
	// ErrBadSize is returned for a zero or negative size, or one that
	// overflows the address space.
	ErrBadSize = errors.New("memory: size must be positive")
	// ErrBadAlignment is returned for an alignment that is not a power of two
	// or that is larger than the backing can honour.
	ErrBadAlignment = errors.New("memory: alignment must be a power of two")
	// ErrDoubleFree is returned when a handle is freed a second time, or when
	// a stale handle (its block was freed and reused) is freed.
	ErrDoubleFree = errors.New("memory: double free or stale handle")
	// ErrForeignHandle is returned when a handle from another pool is given
	// to a pool.
	ErrForeignHandle = errors.New("memory: handle belongs to another pool")
	// ErrInvalidHandle is returned for the zero Handle or one that does not
	// name a block of its pool.
	ErrInvalidHandle = errors.New("memory: invalid handle")
	// ErrOutOfMemory is returned when the backing cannot reserve more memory
	// or an internal index space is exhausted.
	ErrOutOfMemory = errors.New("memory: out of memory")
	// ErrBudgetExceeded is returned, when Config.HardLimit is set, for an
	// allocation that would take the pool past Config.Budget.
	ErrBudgetExceeded = errors.New("memory: budget exceeded")
	// ErrClosed is returned by a pool after Close.
	ErrClosed = errors.New("memory: pool closed")
	// ErrNotHostAccessible is returned when a typed Go slice is asked of a
	// pool whose device memory the CPU cannot address.
	ErrNotHostAccessible = errors.New("memory: device memory is not host accessible")
)
