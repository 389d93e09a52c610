// Package progress is the one value every sync part reports its progress with. The UI
// turns it into Bubble Tea messages and the command line into a progress line or log
// lines; the sync packages themselves never draw anything.
package progress

// Phase is what a source is doing.
type Phase string

const (
	PhaseIndex  Phase = "index"  // asking for the list of meetings
	PhaseFetch  Phase = "fetch"  // downloading meetings, manifests, blobs, attachments
	PhaseVerify Phase = "verify" // checking hashes and the signature
	PhaseApply  Phase = "apply"  // writing meetings into the store
	PhaseDone   Phase = "done"   // finished; Err says whether it failed
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
}

// Func receives reports. It is called from the syncing goroutine (never concurrently
// for one source) and must not block for long.
type Func func(Progress)

// Report calls f when it is set.
func (f Func) Report(p Progress) {
	if f != nil {
		f(p)
	}
}
