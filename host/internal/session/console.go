package session

import "time"

// AuditEntry is one action of an operator, through the console or the
// operator API: who, what, when, from where, and how it ended.
type AuditEntry struct {
	ID    int64     `json:"id"`
	At    time.Time `json:"at"`
	Actor string    `json:"actor"`
	Role  string    `json:"role"`
	// Via is "console" or "api".
	Via    string `json:"via"`
	Action string `json:"action"`
	// Target names what the action was on: a session id, "site/mode".
	Target string `json:"target"`
	Detail string `json:"detail,omitempty"`
	// Remote is the client address the request came from.
	Remote string `json:"remote"`
	// Outcome is "ok", "denied" or the error code.
	Outcome string `json:"outcome"`
}

// AuditFilter selects audit entries, newest first; Before (an id, 0 = none)
// pages on.
type AuditFilter struct {
	Actor  string
	Before int64
	Limit  int
}

// ModeSwitch is an admin's decision to switch a configured mode on or off
// for a site; it overrides the configuration until changed again.
type ModeSwitch struct {
	SiteID    string
	Mode      string
	Enabled   bool
	ChangedAt time.Time
	ChangedBy string
}

// SessionQuery filters the console's sessions list. Results come newest
// first by (CreatedAt, ID); After continues below the given key.
type SessionQuery struct {
	SiteID, Mode string
	Status       Status
	OrderRef     string
	// Reference matches the provider reference or transaction id.
	Reference      string
	Amount         int64 // 0 = any
	NeedsAttention bool
	From, To       time.Time // created in [From, To); zero = open
	AfterCreated   time.Time
	AfterID        string
	Limit          int
}

// ConsoleLogin is an operator's signed-in browser session.
type ConsoleLogin struct {
	TokenHash string
	Operator  string
	CSRF      string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// ModeFilter hides the modes an admin switched off. It is consulted on
// every eligibility evaluation and session creation, so it must be cheap
// (a bounded cache).
type ModeFilter interface {
	Disabled(siteID, mode string) bool
}

// StatusCount is the number and total of sessions of one mode and status.
type StatusCount struct {
	Mode   string
	Status Status
	Count  int
	Amount int64
}
