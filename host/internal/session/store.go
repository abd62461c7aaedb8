package session

import (
	"context"
	"errors"
	"time"
)

// Storage errors. Implementations wrap them with %w.
var (
	// ErrNotFound: no such session (or idempotency key).
	ErrNotFound = errors.New("not found")
	// ErrConflict: a unique value (session id, reference) already exists.
	ErrConflict = errors.New("conflict")
	// ErrSequenceExhausted: a daily sequence has no value left today.
	ErrSequenceExhausted = errors.New("sequence exhausted")
	// ErrAttemptActive: the session's checkout already has a session
	// being paid or paid; a checkout has one active attempt at most.
	ErrAttemptActive = errors.New("checkout has an active attempt")
	// ErrPruned: a webhook whose payload retention removed.
	ErrPruned = errors.New("payload pruned")
)

// Store keeps sessions, their events, reference sequences, the webhook
// outbox and idempotency keys. Each method is one transaction.
type Store interface {
	// CreateSession inserts a new session with its first events and outbox
	// messages. ErrConflict if the id or (site, mode, scope, reference) exists;
	// for a session of a checkout, ErrNotFound without the checkout and
	// ErrAttemptActive when another of its sessions is created, pending or
	// successful (checked under the checkout's lock).
	CreateSession(ctx context.Context, s *Session, events []Event, outbox []OutboxMessage) error
	// Session returns one session; ErrNotFound if absent.
	Session(ctx context.Context, id string) (*Session, error)
	// SessionsByReference returns the sessions of a mode with that reference
	// (several sites or days may share one).
	SessionsByReference(ctx context.Context, mode, reference string) ([]*Session, error)
	// Sessions lists sessions, newest first.
	Sessions(ctx context.Context, f Filter) ([]*Session, error)
	// Events returns a session's events in the order they were written.
	Events(ctx context.Context, sessionID string) ([]Event, error)
	// SessionRecord returns a session with its events and operations, all
	// read at one instant; ErrNotFound if absent.
	SessionRecord(ctx context.Context, id string) (*Session, []Event, []Operation, error)
	// UpdateSession reads the session (with its operations, in
	// Session.Operations), locked against concurrent updates, calls fn
	// with a copy, and writes what fn decides (the new session,
	// events, outbox messages) in the same transaction. If fn returns an
	// error nothing is written and the error is returned. The session
	// returned is the stored one after the change.
	UpdateSession(ctx context.Context, id string, fn UpdateFunc) (*Session, error)
	// NextSequence allocates the next value of the (site, mode, scope)
	// sequence, starting at min; ErrSequenceExhausted past max. Values are
	// never handed out twice, even when the caller's later work fails.
	NextSequence(ctx context.Context, siteID, mode, scope string, min, max int64) (int64, error)
	// ClaimIdempotencyKey records k if (SiteID, Key) is new, or takes
	// the key over when it was claimed for the same request (same
	// RequestHash), is not completed, and its lease has lapsed (the holder
	// is presumed dead). It returns the stored record (with the SessionID
	// reserved by the first claim) and whether the caller now holds the
	// key; a key held by another or completed is returned unchanged.
	ClaimIdempotencyKey(ctx context.Context, k IdempotencyKey) (rec *IdempotencyKey, held bool, err error)
	// CompleteIdempotencyKey stores the response of a claimed key and
	// ends its lease; status 0 binds the key to a session whose creation
	// is still under way.
	CompleteIdempotencyKey(ctx context.Context, siteID, key string, resp IdempotentResponse) error
	// ReleaseIdempotencyKey ends the lease of a claimed key whose request
	// failed: the key is deleted if its session was never stored (the
	// shop may retry afresh), otherwise it stays bound to its session so
	// that a retry resumes that session; a key completed with a real
	// status (not 0) is kept as it is.
	ReleaseIdempotencyKey(ctx context.Context, siteID, key string) error
	// Outbox returns a session's queued webhooks in order.
	Outbox(ctx context.Context, sessionID string) ([]OutboxMessage, error)
	// Operations returns a session's operations, oldest first.
	Operations(ctx context.Context, sessionID string) ([]Operation, error)
	// OperationByKey finds a site's operation by its idempotency key;
	// ErrNotFound if none.
	OperationByKey(ctx context.Context, siteID, key string) (*Operation, error)
	// DueSessions lists sessions in created, pending or authorized whose
	// NextCheckAt or ExpiresAt has passed, oldest check first.
	DueSessions(ctx context.Context, now time.Time, limit int) ([]*Session, error)
	// DueOperations lists open operations whose NextCheckAt has passed.
	DueOperations(ctx context.Context, now time.Time, limit int) ([]Operation, error)

	// ClaimOutbox leases up to limit undelivered messages that are due,
	// at most one per session and only the oldest undelivered one of its
	// session, so that a session's events are delivered in order. A leased
	// message is not claimed again until the lease ends.
	ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]OutboxMessage, error)
	// RecordDelivery stores an attempt and releases the lease: delivered
	// marks the message done; otherwise next is its next attempt, or, when
	// zero, the message is given up. d names the message by OutboxID and
	// SessionID, as claimed; ErrNotFound when they do not match.
	RecordDelivery(ctx context.Context, d Delivery, delivered bool, next time.Time) error
	// RecordDeliveries records a batch of attempts, as RecordDelivery
	// would, in one transaction. errs has one entry per attempt: nil when
	// recorded, ErrNotFound (wrapped) for an attempt whose message does not
	// match, which writes nothing. err is the transaction's own failure;
	// then nothing is written.
	RecordDeliveries(ctx context.Context, rs []DeliveryResult) (errs []error, err error)
	// Deliveries lists a session's delivery attempts, oldest first.
	Deliveries(ctx context.Context, sessionID string) ([]Delivery, error)
	// Redeliver schedules a delivered or given-up message again, now.
	// ErrNotFound when the session has no such message.
	Redeliver(ctx context.Context, sessionID string, outboxID int64, now time.Time) error
	// OldestUndelivered is the creation time of the oldest message still
	// waiting; ok is false when none waits.
	OldestUndelivered(ctx context.Context) (t time.Time, ok bool, err error)

	// PruneIdempotencyKeys deletes up to limit idempotency keys created
	// before before; it returns how many it deleted.
	PruneIdempotencyKeys(ctx context.Context, before time.Time, limit int) (int, error)
	// PruneWebhookPayloads empties the payload of up to limit messages
	// delivered before before, keeping the message and its delivery
	// attempts (Redeliver then refuses it with ErrPruned); it returns how
	// many it emptied.
	PruneWebhookPayloads(ctx context.Context, before, now time.Time, limit int) (int, error)
	// CountNeedingAttention counts the sessions marked NeedsAttention.
	CountNeedingAttention(ctx context.Context) (int, error)

	// Ping checks the database answers.
	Ping(ctx context.Context) error
	// Close releases the database.
	Close() error
}

// UpdateFunc decides a change from the current session. It must not do I/O:
// it runs inside a database transaction.
type UpdateFunc func(s *Session) (Change, error)

// Change is what an UpdateFunc decided.
type Change struct {
	// Session is the new value to store; nil leaves the session as it is.
	Session *Session
	Events  []Event
	Outbox  []OutboxMessage
	// Operations are inserted, or updated when their id exists.
	Operations []Operation
}

// Filter selects sessions for listing.
type Filter struct {
	SiteID string // "" = all sites
	Status Status // "" = all states
	// NeedsAttention keeps only the sessions marked for an operator.
	NeedsAttention bool
	Limit          int // <= 0 means 100
}

// IdempotencyKey is a shop's Idempotency-Key for a session creation.
type IdempotencyKey struct {
	SiteID string
	Key    string
	// RequestHash is a hash of the request body: the same key with another
	// body is refused.
	RequestHash string
	CreatedAt   time.Time
	// SessionID is the id of the session the key creates, chosen by the
	// first claim before the session is stored, so that a retry after a
	// crash resumes that session instead of creating another.
	SessionID string
	// LeaseUntil ends the claim of the request in progress; zero means
	// two minutes after CreatedAt.
	LeaseUntil time.Time
	// Response is nil while the first request is still in progress.
	Response *IdempotentResponse
}

// IdempotentResponse is the stored answer replayed for a repeated key.
type IdempotentResponse struct {
	StatusCode int
	Body       []byte
	SessionID  string
}
