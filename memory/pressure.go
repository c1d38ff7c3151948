package memory

import (
	"fmt"
	"time"
)

// PressureLevel grades how much of its budget a pool holds.
type PressureLevel int32

const (
	PressureNone PressureLevel = iota
	PressureLow
	PressureMedium
	PressureHigh
	PressureCritical
)

func (l PressureLevel) String() string {
	switch l {
	case PressureNone:
		return "none"
	case PressureLow:
		return "low"
	case PressureMedium:
		return "medium"
	case PressureHigh:
		return "high"
	case PressureCritical:
		return "critical"
	}
	return fmt.Sprintf("PressureLevel(%d)", int32(l))
}

// PressureThresholds are the fractions of the budget at which each level
// starts. They must increase: 0 < Low < Medium < High < Critical ≤ 1.
type PressureThresholds struct {
	Low, Medium, High, Critical float64
}

// DefaultThresholds are used for zero Config.Thresholds fields.
var DefaultThresholds = PressureThresholds{Low: 0.50, Medium: 0.70, High: 0.85, Critical: 0.95}

func (t PressureThresholds) withDefaults() (PressureThresholds, error) {
	if t.Low == 0 {
		t.Low = DefaultThresholds.Low
	}
	if t.Medium == 0 {
		t.Medium = DefaultThresholds.Medium
	}
	if t.High == 0 {
		t.High = DefaultThresholds.High
	}
	if t.Critical == 0 {
		t.Critical = DefaultThresholds.Critical
	}
	if !(0 < t.Low && t.Low < t.Medium && t.Medium < t.High && t.High < t.Critical && t.Critical <= 1) {
		return t, fmt.Errorf("memory: pressure thresholds %+v: want 0 < low < medium < high < critical ≤ 1", t)
	}
	return t, nil
}

func (t PressureThresholds) level(used, budget uint64) PressureLevel {
	if budget == 0 {
		return PressureNone
	}
	f := float64(used) / float64(budget)
	switch {
	case f >= t.Critical:
		return PressureCritical
	case f >= t.High:
		return PressureHigh
	case f >= t.Medium:
		return PressureMedium
	case f >= t.Low:
		return PressureLow
	}
	return PressureNone
}

// PressureEvent reports a change of pressure level.
type PressureEvent struct {
	Pool   string
	Old    PressureLevel
	New    PressureLevel
	Used   uint64 // InUseBytes when the level changed
	Budget uint64
	At     time.Time
}

type pressureCallback struct {
	id int
	fn func(PressureEvent)
}

// OnPressure registers fn to be called on every change of pressure level.
// Callbacks run synchronously in the goroutine whose allocation, free or
// cleanup changed the level, after the pool's locks are released, so they
// may call the pool (Trim, say). Callbacks may run concurrently with each
// other. A callback that panics is recovered and counted
// (Stats.CallbackPanics); the pool carries on. The returned function
// unregisters fn.
func (p *Pool) OnPressure(fn func(PressureEvent)) (unregister func()) {
	p.cbMu.Lock()
	defer p.cbMu.Unlock()
	p.cbNext++
	id := p.cbNext
	var cbs []pressureCallback
	if old := p.callbacks.Load(); old != nil {
		cbs = append(cbs, *old...)
	}
	cbs = append(cbs, pressureCallback{id, fn})
	p.callbacks.Store(&cbs)
	return func() {
		p.cbMu.Lock()
		defer p.cbMu.Unlock()
		old := p.callbacks.Load()
		if old == nil {
			return
		}
		var cbs []pressureCallback
		for _, c := range *old {
			if c.id != id {
				cbs = append(cbs, c)
			}
		}
		p.callbacks.Store(&cbs)
	}
}

// Pressure returns the current pressure level.
func (p *Pool) Pressure() PressureLevel { return PressureLevel(p.plevel.Load()) }

// Budget returns the pool's budget in bytes (0: none).
func (p *Pool) Budget() uint64 { return p.budget.Load() }

// SetBudget changes the budget and re-evaluates the pressure level.
func (p *Pool) SetBudget(bytes uint64) {
	p.budget.Store(bytes)
	p.buddy.mu.Lock()
	ev := p.pressureLocked()
	p.buddy.mu.Unlock()
	p.deliver(ev)
}

// pressureLocked re-evaluates the level; called with buddy.mu held, it
// returns the event to deliver once the lock is released, or nil.
func (p *Pool) pressureLocked() *PressureEvent {
	budget := p.budget.Load()
	if budget == 0 && p.plevel.Load() == int32(PressureNone) {
		return nil
	}
	used := p.buddy.used()
	l := p.thresholds.level(used, budget)
	old := PressureLevel(p.plevel.Swap(int32(l)))
	if old == l {
		return nil
	}
	return &PressureEvent{Pool: p.name, Old: old, New: l, Used: used, Budget: budget}
}

// checkBudgetLocked fails an allocation of extra bytes that would pass the
// budget when the pool has a hard limit. Called with buddy.mu held.
func (p *Pool) checkBudgetLocked(extra uint64) error {
	if !p.hardLimit {
		return nil
	}
	if b := p.budget.Load(); b > 0 && p.buddy.used()+extra > b {
		return ErrBudgetExceeded
	}
	return nil
}

// trimForBudget hands cached memory back before a hard-limit failure is
// final. It reports whether anything was freed.
func (p *Pool) trimForBudget() bool {
	st := p.Trim(TrimOptions{Strategy: "budget", DrainCaches: true, Discard: true, ReleaseArenas: true})
	return st.SlabBytes > 0 || st.BytesReleased > 0
}

// deliver calls the pressure callbacks for each event, recovering panics.
func (p *Pool) deliver(evs ...*PressureEvent) {
	for _, ev := range evs {
		if ev == nil {
			continue
		}
		cbs := p.callbacks.Load()
		if cbs == nil {
			continue
		}
		ev.At = time.Now()
		for _, c := range *cbs {
			p.callSafely(c.fn, *ev)
		}
	}
}

func (p *Pool) callSafely(fn func(PressureEvent), ev PressureEvent) {
	defer func() {
		if r := recover(); r != nil {
			p.cbPanics.Add(1)
			p.lastPanic.Store(fmt.Sprint(r))
		}
	}()
	fn(ev)
}

// LastCallbackPanic returns the value of the last recovered callback panic.
func (p *Pool) LastCallbackPanic() string {
	s, _ := p.lastPanic.Load().(string)
	return s
}
