// Package progress is the one value every sync part reports its progress with. The UI
// turns it into Bubble Tea messages and the command line into a progress line or log
// lines; the sync packages themselves never draw anything.
package progress

import "time"

// Phase is what a source is doing.
type Phase string

const (
	PhaseIndex       Phase = "index"       // asking for the list of meetings
	PhaseFetch       Phase = "fetch"       // downloading meetings, manifests, blobs
	PhaseAttachments Phase = "attachments" // downloading attachments (a site's, after its meetings)
	PhaseVerify      Phase = "verify"      // checking hashes and the signature
	PhaseApply       Phase = "apply"       // writing meetings into the store
	PhaseDone        Phase = "done"        // finished; Err says whether it failed
)

// Progress is one report. Done/Total count meetings or files of the current phase;
// Bytes counts bytes transferred so far for the source.
type Progress struct {
	Source  string
	Phase   Phase
	Done    int
	Total   int
	Bytes   int64
	Message string // a short human line: the meeting being applied, …
	Err     error  // set with PhaseDone when the source failed

	// A site sync counts meetings and attachments apart (both run at once: the
	// meetings in the site's request budget, the attachments from its file store).
	// Zero totals mean the source does not count them apart.
	Meetings, MeetingsTotal       int
	Attachments, AttachmentsTotal int
	// ETA is the estimated time left; 0 when unknown.
	ETA time.Duration
}

// Func receives reports. Reports of one source never arrive concurrently, and Func must
// not block for long.
type Func func(Progress)

// Report calls f when it is set.
func (f Func) Report(p Progress) {
	if f != nil {
		f(p)
	}
}
