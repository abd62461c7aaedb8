package session

// transitions is the whole state machine of design §4: for each state, the
// states it may move to. Terminal states have no entry (refunds excepted).
var transitions = map[Status][]Status{
	StatusCreated:           {StatusPending, StatusAuthorized, StatusPaid, StatusRefused, StatusCancelled, StatusExpired, StatusFailed},
	StatusPending:           {StatusAuthorized, StatusPaid, StatusRefused, StatusCancelled, StatusExpired, StatusFailed},
	StatusAuthorized:        {StatusPaid, StatusCancelled, StatusExpired},
	StatusPaid:              {StatusPartiallyRefunded, StatusRefunded},
	StatusPartiallyRefunded: {StatusPartiallyRefunded, StatusRefunded},
}

// Decision is the state machine's verdict on an attempted transition.
type Decision int

const (
	// Apply: the move is allowed; make it.
	Apply Decision = iota
	// Duplicate: the session is already in that state; change nothing.
	Duplicate
	// Reject: the move is not allowed from the current state.
	Reject
)

func (d Decision) String() string {
	switch d {
	case Apply:
		return "apply"
	case Duplicate:
		return "duplicate"
	default:
		return "reject"
	}
}

// Decide is the one function that says whether a session may move from one
// state to another. A partial refund on a partially refunded session is a new
// move, not a duplicate; any other same-state move is a duplicate.
func Decide(from, to Status) Decision {
	for _, s := range transitions[from] {
		if s == to {
			return Apply
		}
	}
	if from == to {
		return Duplicate
	}
	return Reject
}

// Known reports whether s is one of the session states.
func (s Status) Known() bool {
	switch s {
	case StatusCreated, StatusPending, StatusAuthorized, StatusPaid, StatusRefused,
		StatusCancelled, StatusExpired, StatusFailed, StatusPartiallyRefunded, StatusRefunded:
		return true
	}
	return false
}

// Terminal reports whether no provider outcome can move s any more (refunds,
// which are host operations, aside).
func (s Status) Terminal() bool {
	switch s {
	case StatusRefused, StatusCancelled, StatusExpired, StatusFailed, StatusPaid,
		StatusPartiallyRefunded, StatusRefunded:
		return true
	}
	return false
}

// Success reports whether the shop may deliver: authorized or paid (and paid
// then refunded, which was a success first).
func (s Status) Success() bool {
	switch s {
	case StatusAuthorized, StatusPaid, StatusPartiallyRefunded, StatusRefunded:
		return true
	}
	return false
}
