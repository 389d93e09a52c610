package group

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/dagsorden/dagsorden/sync/httpx"
	"github.com/dagsorden/dagsorden/sync/relay"
)

// RelayError is a refusal from the relay: its HTTP status and its sentence.
type RelayError struct {
	Status int
	Msg    string
}

func (e *RelayError) Error() string {
	if e.Msg == "" {
		return fmt.Sprintf("the relay answered HTTP %d", e.Status)
	}
	return fmt.Sprintf("the relay refused: %s (HTTP %d)", e.Msg, e.Status)
}

// relayClient speaks the relay's API for one member (or for a member-to-be).
type relayClient struct {
	base  string // ends in relay.Prefix
	token string
	hc    *http.Client
}

// maxAnswer bounds what the client reads from the relay: a pull page is at most
// relay.MaxPull envelopes of ≤ 4 MiB ciphertext, base64 inflates it by a third.
const maxAnswer = 16 << 20

// relayBase turns the server address a member gives ("https://relay.example.dk",
// "http://127.0.0.1:8080") into the relay's API base. Plain http is refused except to
// loopback addresses or when insecure.
func relayBase(server string, insecure bool) (string, error) {
	u, err := url.Parse(strings.TrimSpace(server))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", fmt.Errorf("%q is not a relay address (use https://host[:port])", server)
	}
	if err := httpx.CheckURL(u, insecure); err != nil {
		return "", err
	}
	u.RawQuery, u.Fragment = "", ""
	u.Path = strings.TrimRight(u.Path, "/")
	if u.Path == "" {
		u.Path = relay.Prefix
	}
	return u.String(), nil
}

func (c *Client) relay(server, token string) (*relayClient, error) {
	base, err := relayBase(server, c.Insecure)
	if err != nil {
		return nil, err
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	return &relayClient{base: base, token: token, hc: hc}, nil
}

// do sends one request; a 429 is retried after Retry-After (at most a few times).
func (rc *relayClient) do(ctx context.Context, method, path, token string, in, out any, want int) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	// Pulls ask for the compact binary answer (see relay.PullBinary).
	pull, isPull := out.(*relay.PullResponse)
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, method, rc.base+path, bytes.NewReader(body))
		if err != nil {
			return err
		}
		if isPull {
			req.Header.Set("Accept", relay.PullBinary)
		}
		if in != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := rc.hc.Do(req)
		if err != nil {
			return fmt.Errorf("cannot reach the relay: %w", err)
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("the relay's answer broke off: %w", err)
		}
		if len(data) > maxAnswer {
			return errors.New("the relay's answer is too large")
		}
		if resp.StatusCode == http.StatusTooManyRequests && attempt < 4 {
			wait := time.Second
			if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
				wait = time.Duration(min(s, 30)) * time.Second
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(wait):
			}
			continue
		}
		if resp.StatusCode != want {
			var er relay.ErrorResponse
			json.Unmarshal(data, &er) //nolint:errcheck // a refusal without our JSON still has a status
			return &RelayError{Status: resp.StatusCode, Msg: er.Error}
		}
		if isPull && resp.Header.Get("Content-Type") == relay.PullBinary {
			p, err := relay.DecodePull(data)
			if err != nil {
				return err
			}
			*pull = p
			return nil
		}
		if out != nil {
			if err := json.Unmarshal(data, out); err != nil {
				return fmt.Errorf("the relay's answer is not what dagsorden expects: %w", err)
			}
		}
		return nil
	}
}

func groupPath(groupID string) string { return "/v1/groups/" + url.PathEscape(groupID) }

func (rc *relayClient) createGroup(ctx context.Context, operatorToken string, public, genesis []byte) (relay.CreateGroupResponse, error) {
	var out relay.CreateGroupResponse
	err := rc.do(ctx, http.MethodPost, "/v1/groups", operatorToken, relay.CreateGroupRequest{PublicKey: public, Genesis: genesis}, &out, http.StatusCreated)
	return out, err
}

func (rc *relayClient) join(ctx context.Context, groupID string, public, claim []byte) (relay.JoinResponse, error) {
	var out relay.JoinResponse
	err := rc.do(ctx, http.MethodPost, groupPath(groupID)+"/join", "", relay.JoinRequest{PublicKey: public, Claim: claim}, &out, http.StatusCreated)
	return out, err
}

func (rc *relayClient) chain(ctx context.Context, groupID string, after uint64) (relay.ChainResponse, error) {
	var out relay.ChainResponse
	err := rc.do(ctx, http.MethodGet, groupPath(groupID)+"/chain?after="+strconv.FormatUint(after, 10), rc.token, nil, &out, http.StatusOK)
	return out, err
}

func (rc *relayClient) appendChain(ctx context.Context, groupID string, entries [][]byte) error {
	return rc.do(ctx, http.MethodPost, groupPath(groupID)+"/chain", rc.token, relay.ChainRequest{Entries: entries}, nil, http.StatusOK)
}

func (rc *relayClient) members(ctx context.Context, groupID string) ([]relay.Member, error) {
	var out relay.MembersResponse
	err := rc.do(ctx, http.MethodGet, groupPath(groupID)+"/members", rc.token, nil, &out, http.StatusOK)
	return out.Members, err
}

func (rc *relayClient) remove(ctx context.Context, groupID, member string) error {
	return rc.do(ctx, http.MethodDelete, groupPath(groupID)+"/members/"+url.PathEscape(member), rc.token, nil, nil, http.StatusNoContent)
}

func (rc *relayClient) push(ctx context.Context, groupID string, envs []relay.PushEnvelope) ([]uint64, error) {
	var out relay.PushResponse
	err := rc.do(ctx, http.MethodPost, groupPath(groupID)+"/envelopes", rc.token, relay.PushRequest{Envelopes: envs}, &out, http.StatusOK)
	if err == nil && len(out.Seqs) != len(envs) {
		err = errors.New("the relay's answer to a push does not match what was pushed")
	}
	return out.Seqs, err
}

func (rc *relayClient) pull(ctx context.Context, groupID string, after uint64, limit int) (relay.PullResponse, error) {
	var out relay.PullResponse
	q := "?after=" + strconv.FormatUint(after, 10)
	if limit > 0 {
		q += "&limit=" + strconv.Itoa(limit)
	}
	err := rc.do(ctx, http.MethodGet, groupPath(groupID)+"/envelopes"+q, rc.token, nil, &out, http.StatusOK)
	return out, err
}
