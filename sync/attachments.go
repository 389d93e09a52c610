package sync

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
	"github.com/dagsorden/dagsorden/sync/firstagenda"
	"github.com/dagsorden/dagsorden/sync/source"
)

// ErrNoSourceFor: no source of the data folder serves the attachment's site, so it
// cannot be fetched (its address is all there is).
var ErrNoSourceFor = errors.New("no source serves the attachment")

// FetchAttachment fetches the content of an attachment that st lists without it (an
// older meeting's, which a sync leaves for when it is opened) from the source of st's
// data folder that serves its meeting's site, and stores it. progress (may be nil) gets
// the bytes so far and the announced size. It returns the attachment as stored. An
// attachment already stored is returned as it is, without a request.
func FetchAttachment(ctx context.Context, st *store.Store, meetingID, itemID, attachmentID string, progress func(got, total int64), rt http.RoundTripper) (agenda.Attachment, error) {
	m, err := st.Meeting(meetingID)
	if err != nil {
		return agenda.Attachment{}, err
	}
	var it *agenda.Item
	var a *agenda.Attachment
	for i := range m.Items {
		if m.Items[i].ID != itemID {
			continue
		}
		it = &m.Items[i]
		for j := range it.Attachments {
			if it.Attachments[j].ID == attachmentID {
				a = &it.Attachments[j]
			}
		}
	}
	if a == nil {
		return agenda.Attachment{}, fmt.Errorf("there is no attachment %q on item %q of %s", attachmentID, itemID, m.Title)
	}
	if a.SHA256 != "" {
		if ok, err := st.HasAttachment(a.SHA256); err != nil || ok {
			return *a, err
		}
	}
	if a.SourceID == "" || !firstagenda.ValidID(a.SourceID) {
		return *a, fmt.Errorf("%q is not stored, and its source gives no way to fetch it: %w", a.Title, ErrNoSourceFor)
	}
	s, err := sourceFor(st.Dir(), m.Source.Site)
	if err != nil {
		return *a, fmt.Errorf("%q is not stored: %w", a.Title, err)
	}
	c, err := firstagenda.New(s.URL, newClient(s, rt))
	if err != nil {
		return *a, err
	}
	limit := int64(s.MaxAttachmentMB) << 20
	if limit <= 0 {
		limit = firstagenda.DefaultMaxAttachment
	}
	data, err := c.Attachment(ctx, a.SourceID, limit, progress)
	if err != nil {
		return *a, fmt.Errorf("fetch %q from %s: %w", a.Title, s.Name, err)
	}
	return st.PutAttachmentContent(itemID, attachmentID, data)
}

// sourceFor is the FirstAgenda source of dir whose site is site.
func sourceFor(dir, site string) (source.Source, error) {
	cfg, err := source.Load(source.Path(dir))
	if err != nil {
		return source.Source{}, err
	}
	want, err := url.Parse(site)
	if err != nil || want.Host == "" {
		return source.Source{}, fmt.Errorf("its meeting names no site: %w", ErrNoSourceFor)
	}
	for _, s := range cfg.Sources {
		u, err := url.Parse(s.URL)
		if err == nil && s.Kind == source.KindFirstAgenda && strings.EqualFold(u.Host, want.Host) {
			return s, nil
		}
	}
	return source.Source{}, fmt.Errorf("no source of this data folder serves %s (add it with dagsorden source add %s): %w", want.Host, site, ErrNoSourceFor)
}
