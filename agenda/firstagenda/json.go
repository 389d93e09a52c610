package firstagenda

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// The wire types mirror /api/agenda/dagsorden/{id}. Every scalar goes through a lenient
// type: sites differ (Greve sends HarPdfVersion as the string "true"), and one field of an
// unexpected shape must not lose the member a whole meeting.

type meetingJSON struct {
	ID                flexString `json:"Id"`
	TillaegsDagsorden flexBool   `json:"TillaegsDagsorden"`
	Udvalg            *struct {
		ID   flexString `json:"Id"`
		Navn flexString `json:"Navn"`
	} `json:"Udvalg"`
	Moede *struct {
		Dato                  flexString `json:"Dato"`
		MeetingBeginUtc       flexString `json:"MeetingBeginUtc"`
		MeetingEndUtc         flexString `json:"MeetingEndUtc"`
		ReleasedDate          flexString `json:"ReleasedDate"`
		Sted                  flexString `json:"Sted"`
		Navn                  flexString `json:"Navn"`
		Description           flexString `json:"Description"`
		IsSupplementaryAgenda flexBool   `json:"IsSupplementaryAgenda"`
	} `json:"Moede"`
	Dagsordenpunkter []itemJSON `json:"-"` // decoded one by one: see decodeMeeting
}

type itemJSON struct {
	ID          flexString `json:"Id"`
	Punktnummer flexString `json:"Punktnummer"`
	Number      flexString `json:"Number"`
	Sorting     flexInt    `json:"Sorting"`
	Navn        flexString `json:"Navn"`
	Caption     flexString `json:"Caption"`
	SagsNummer  flexString `json:"SagsNummer"`
	CaseNumber  flexString `json:"CaseNumber"`
	Felter      []struct {
		Navn flexString `json:"Navn"`
		// The bodies are most of the bytes: plain strings decode in one pass where a
		// flexString would scan them three times. They are never numbers anyway.
		HTML  string     `json:"Html"`
		Tekst string     `json:"Tekst"`
		Link  flexString `json:"Link"`
	} `json:"Felter"`
	Bilag []struct {
		ID            flexString `json:"Id"`
		Navn          flexString `json:"Navn"`
		Order         flexInt    `json:"Order"`
		HarPdfVersion flexBool   `json:"HarPdfVersion"`
	} `json:"Bilag"`
}

// flexString takes a string, a number or a boolean as its text; null and anything else as "".
type flexString string

func (s *flexString) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) == 0:
		*s = ""
	case b[0] == '"':
		if body := b[1 : len(b)-1]; bytes.IndexByte(body, '\\') < 0 {
			// No escapes: the bytes are the string (the decoder has checked them).
			*s = flexString(body)
			return nil
		}
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = flexString(v)
	case b[0] == '-' || b[0] >= '0' && b[0] <= '9' || b[0] == 't' || b[0] == 'f':
		*s = flexString(b)
	default: // null, objects, arrays
		*s = ""
	}
	return nil
}

func (s flexString) String() string { return strings.TrimSpace(string(s)) }

// flexBool takes true/false, "true"/"True"/"1", and numbers; anything else is false.
type flexBool bool

func (v *flexBool) UnmarshalJSON(b []byte) error {
	var s flexString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	switch strings.ToLower(s.String()) {
	case "true", "1", "yes", "ja":
		*v = true
	default:
		*v = false
	}
	return nil
}

// flexInt takes a number or a numeric string; Set says whether one was there.
type flexInt struct {
	N   int64
	Set bool
}

func (v *flexInt) UnmarshalJSON(b []byte) error {
	var s flexString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	f, err := strconv.ParseFloat(s.String(), 64)
	if err != nil || f != f || f > 1e15 || f < -1e15 {
		*v = flexInt{}
		return nil
	}
	*v = flexInt{N: int64(f), Set: true}
	return nil
}

var errTooManyItems = errors.New("too many items")

// decodeMeeting decodes one meeting object. The item array is read element by element so
// that a meeting claiming more than MaxItems items is refused after MaxItems, in time
// and memory bounded by that number rather than by the input.
func decodeMeeting(data []byte) (*meetingJSON, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("it is not a JSON object")
	}
	m := &meetingJSON{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		switch {
		case strings.EqualFold(key, "Dagsordenpunkter"):
			if m.Dagsordenpunkter, err = decodeItems(dec); err != nil {
				return nil, err
			}
		case strings.EqualFold(key, "Id"):
			err = dec.Decode(&m.ID)
		case strings.EqualFold(key, "TillaegsDagsorden"):
			err = dec.Decode(&m.TillaegsDagsorden)
		case strings.EqualFold(key, "Udvalg"):
			err = dec.Decode(&m.Udvalg)
		case strings.EqualFold(key, "Moede"):
			err = dec.Decode(&m.Moede)
		default:
			var skip json.RawMessage
			err = dec.Decode(&skip)
		}
		if err != nil {
			return nil, fieldError(key, err)
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("there is more data after the meeting object")
	}
	return m, nil
}

func decodeItems(dec *json.Decoder) ([]itemJSON, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if tok == nil {
		return nil, nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, errors.New("the Dagsordenpunkter field is not a list")
	}
	var items []itemJSON
	for dec.More() {
		if len(items) == MaxItems {
			return nil, errTooManyItems
		}
		var it itemJSON
		if err := dec.Decode(&it); err != nil {
			return nil, fieldError(fmt.Sprintf("Dagsordenpunkter[%d]", len(items)), err)
		}
		items = append(items, it)
	}
	if _, err := dec.Token(); err != nil { // the closing bracket
		return nil, err
	}
	return items, nil
}

// fieldError names the field in a type error; syntax errors pass unchanged so that the
// caller can recognise a truncated input.
func fieldError(key string, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field != "" {
			key += "." + te.Field
		}
		return fmt.Errorf("field %s holds a %s, which FirstAgenda never sends there", key, te.Value)
	}
	return err
}
