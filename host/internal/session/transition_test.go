package session

import "testing"

var allStatuses = []Status{
	StatusCreated, StatusPending, StatusAuthorized, StatusPaid, StatusRefused,
	StatusCancelled, StatusExpired, StatusFailed, StatusPartiallyRefunded, StatusRefunded,
}

// TestDecideExhaustive checks every (from, to) pair against the transition
// table of design §4, written out again here as the expected truth.
func TestDecideExhaustive(t *testing.T) {
	allowed := map[[2]Status]bool{}
	allow := func(from Status, tos ...Status) {
		for _, to := range tos {
			allowed[[2]Status{from, to}] = true
		}
	}
	outcomes := []Status{StatusAuthorized, StatusPaid, StatusRefused, StatusCancelled, StatusExpired, StatusFailed}
	allow(StatusCreated, append([]Status{StatusPending}, outcomes...)...)
	allow(StatusPending, outcomes...)
	allow(StatusAuthorized, StatusPaid, StatusCancelled, StatusExpired)
	allow(StatusPaid, StatusPartiallyRefunded, StatusRefunded)
	allow(StatusPartiallyRefunded, StatusPartiallyRefunded, StatusRefunded)

	for _, from := range allStatuses {
		for _, to := range allStatuses {
			want := Reject
			switch {
			case allowed[[2]Status{from, to}]:
				want = Apply
			case from == to:
				want = Duplicate
			}
			if got := Decide(from, to); got != want {
				t.Errorf("Decide(%s, %s) = %s, want %s", from, to, got, want)
			}
		}
	}
}

func TestDecideUnknownStates(t *testing.T) {
	tests := []struct {
		name     string
		from, to Status
		want     Decision
	}{
		{"unknown target", StatusPending, Status("bogus"), Reject},
		{"unknown origin", Status("bogus"), StatusPaid, Reject},
		{"empty target", StatusPending, "", Reject},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Decide(tt.from, tt.to); got != tt.want {
				t.Errorf("Decide(%q, %q) = %s, want %s", tt.from, tt.to, got, tt.want)
			}
		})
	}
}

func TestTerminalStatesAcceptNoOutcome(t *testing.T) {
	for _, from := range allStatuses {
		if !from.Terminal() {
			continue
		}
		for _, to := range []Status{StatusPending, StatusAuthorized, StatusPaid, StatusRefused, StatusCancelled, StatusFailed} {
			if from == to {
				continue
			}
			if got := Decide(from, to); got == Apply {
				t.Errorf("terminal %s accepted provider outcome %s", from, to)
			}
		}
	}
}

func TestStatusPredicates(t *testing.T) {
	for _, s := range allStatuses {
		if !s.Known() {
			t.Errorf("%s not known", s)
		}
	}
	if Status("nope").Known() {
		t.Error("unknown status reported known")
	}
	success := map[Status]bool{StatusAuthorized: true, StatusPaid: true, StatusPartiallyRefunded: true, StatusRefunded: true}
	for _, s := range allStatuses {
		if got := s.Success(); got != success[s] {
			t.Errorf("%s.Success() = %v, want %v", s, got, success[s])
		}
	}
}
