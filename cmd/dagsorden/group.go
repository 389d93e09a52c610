package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/dagsorden/dagsorden/store"
	dsync "github.com/dagsorden/dagsorden/sync"
	"github.com/dagsorden/dagsorden/sync/group"
	"github.com/dagsorden/dagsorden/sync/relay"
)

func cmdGroup(e *env, args []string) error {
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" || args[0] == "help" {
		fmt.Fprint(e.stdout, `Usage:
  dagsorden group create NAME --server URL [--server-token T]
  dagsorden group invite NAME [--with-history]
  dagsorden group join CODE [--name LOCAL_NAME]
  dagsorden group list [--json]
  dagsorden group members NAME [--json]
  dagsorden group remove NAME MEMBER
  dagsorden group admin NAME MEMBER [--hand-over]

A group shares chosen notes and stances end-to-end encrypted through a relay that
cannot read them. Share a note with: dagsorden note add ITEM --group NAME --text …
Who is a member is decided by the group's signed member list, not by the relay.
Give invite codes out of band (in person, Signal): they carry the group's current key.
`)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	sub, rest := args[0], args[1:]
	var run func(*env, *group.Client, []string) error
	switch sub {
	case "create":
		run = groupCreate
	case "invite":
		run = groupInvite
	case "join":
		run = groupJoin
	case "list":
		run = groupList
	case "members":
		run = groupMembers
	case "remove":
		run = groupRemove
	case "admin":
		run = groupAdmin
	default:
		fmt.Fprintf(e.stderr, "dagsorden group: unknown subcommand %q\n", sub)
		return errUsage
	}
	if len(rest) > 0 && (rest[0] == "--help" || rest[0] == "-h") {
		return run(e, nil, rest)
	}
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	return run(e, &group.Client{Store: st, Author: author()}, rest)
}

func groupCreate(e *env, c *group.Client, args []string) error {
	fs := newFlags(e, "group create", "NAME --server URL [--server-token T]",
		"Create a group on a relay; you become its admin. Prints an invite code as the last line.")
	server := fs.String("server", "", "the relay's `URL`, e.g. https://relay.example.dk")
	token := fs.String("server-token", "", "the relay operator's `TOKEN` (not needed with --open-groups)")
	insecure := fs.Bool("insecure", false, "allow plain http to a relay that is not on this machine")
	pos, err := parseInterspersed(e, fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *server == "" {
		return usageErr(e, fs, "name the group and give --server")
	}
	c.Insecure = *insecure
	ctx, stop := interruptible()
	defer stop()
	info, err := c.Create(ctx, pos[0], *server, *token)
	if err != nil {
		return err
	}
	code, err := c.Invite(ctx, pos[0], false)
	if err != nil {
		return fmt.Errorf("group %s created, but no invite could be made: %w", pos[0], err)
	}
	fmt.Fprintf(e.stdout, "created group %s on %s; you are its admin\ninvite code (one use; give it out of band):\n%s\n", info.Name, info.Server, code)
	return nil
}

func groupInvite(e *env, c *group.Client, args []string) error {
	fs := newFlags(e, "group invite", "NAME [--with-history]",
		"Make a one-time invite code for the group (admin only; valid 7 days). The code is the\n"+
			"last line. It carries the group's current key: the new member reads what is written\n"+
			"from now on, not what was written before, unless you give --with-history.")
	history := fs.Bool("with-history", false, "let the new member read the group's earlier notes too (every earlier key goes in the code)")
	arg, err := oneArg(e, fs, args, "name the group")
	if err != nil {
		return err
	}
	ctx, stop := interruptible()
	defer stop()
	code, err := c.Invite(ctx, arg, *history)
	if err != nil {
		return err
	}
	what := "one use, for 7 days; give it out of band"
	if *history {
		what += "; it opens the group's earlier notes too"
	}
	fmt.Fprintf(e.stdout, "invite code for %s (%s):\n%s\n", arg, what, code)
	return nil
}

func groupJoin(e *env, c *group.Client, args []string) error {
	fs := newFlags(e, "group join", "CODE [--name LOCAL_NAME]", "Join a group with an invite code.")
	name := fs.String("name", "", "call the group `LOCAL_NAME` here (when you already have a group of that name)")
	insecure := fs.Bool("insecure", false, "allow plain http to a relay that is not on this machine")
	arg, err := oneArg(e, fs, args, "give the invite code")
	if err != nil {
		return err
	}
	c.Insecure = *insecure
	ctx, stop := interruptible()
	defer stop()
	info, err := c.Join(ctx, arg, *name)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "joined group %s on %s (%s)\n", info.Name, info.Server, plural(info.Members, "member", "members"))
	return nil
}

func groupList(e *env, c *group.Client, args []string) error {
	fs := newFlags(e, "group list", "[--json]", "List your groups.")
	asJSON := fs.Bool("json", false, "write JSON")
	if _, err := parseInterspersed(e, fs, args); err != nil {
		return err
	}
	infos, err := c.List()
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if infos == nil {
			infos = []group.Info{}
		}
		return enc.Encode(infos)
	}
	if len(infos) == 0 {
		fmt.Fprintln(e.stdout, "No groups yet. Create one with 'dagsorden group create NAME --server URL' or join with an invite code.")
	}
	for _, g := range infos {
		role := "member"
		switch {
		case g.Removed:
			fmt.Fprintf(e.stdout, "%s\t%s\tremoved by its admin (its notes stay here; nothing is synced)\n", g.Name, g.Server)
			continue
		case g.Legacy:
			role = "waiting for its signed member list"
		case g.Admin:
			role = "admin"
		}
		line := fmt.Sprintf("%s\t%s\t%s\t%s\t%d waiting to be shared", g.Name, g.Server, role, plural(g.Members, "member", "members"), g.Pending)
		if g.Unknown > 0 {
			line += fmt.Sprintf("\t(the server lists %s; see group members)", plural(g.Unknown, "unknown member", "unknown members"))
		}
		fmt.Fprintln(e.stdout, line)
	}
	return nil
}

func groupMembers(e *env, c *group.Client, args []string) error {
	fs := newFlags(e, "group members", "NAME [--json]",
		"List the group's members, from its signed member list. A member the server lists\n"+
			"that the signed list does not hold is shown as a warning: it gets no key.")
	asJSON := fs.Bool("json", false, "write JSON")
	pos, err := parseInterspersed(e, fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr(e, fs, "name the group")
	}
	ctx, stop := interruptible()
	defer stop()
	ms, err := c.Members(ctx, pos[0])
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if ms == nil {
			ms = []group.MemberInfo{}
		}
		return enc.Encode(ms)
	}
	for _, m := range ms {
		if m.Unknown {
			continue
		}
		tags := ""
		if m.Admin {
			tags += " (admin)"
		}
		if m.Me {
			tags += " (you)"
		}
		if m.Waiting {
			tags += " (from before the signed member list; not confirmed yet: their dagsorden does it when updated)"
		}
		fmt.Fprintf(e.stdout, "%s\t%s%s\n", m.ID, m.Name, tags)
	}
	for _, m := range ms {
		if m.Unknown {
			fmt.Fprintf(e.stderr, "warning: the server lists an unknown member %s in %s: it is not in the group's signed member list and gets no key (the relay, or someone who controls it, added it)\n", m.ID, pos[0])
		}
	}
	return nil
}

func groupRemove(e *env, c *group.Client, args []string) error {
	fs := newFlags(e, "group remove", "NAME MEMBER",
		"Remove a member (admin only). The group's key is replaced, so the removed member\ncannot read anything written afterwards.")
	pos, err := parseInterspersed(e, fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usageErr(e, fs, "name the group and the member (name or id)")
	}
	ctx, stop := interruptible()
	defer stop()
	m, err := c.Remove(ctx, pos[0], pos[1])
	if err != nil {
		return err
	}
	if m.Unknown {
		fmt.Fprintf(e.stdout, "the server no longer lists %s in %s (it was never in the signed member list)\n", m.ID, pos[0])
		return nil
	}
	fmt.Fprintf(e.stdout, "removed %s from %s; the group key was replaced\n", orID(m), pos[0])
	return nil
}

func groupAdmin(e *env, c *group.Client, args []string) error {
	fs := newFlags(e, "group admin", "NAME MEMBER [--hand-over]",
		"Make a member an admin of the group (admin only): they can invite, remove and hand over\n"+
			"too. With --hand-over you stop being an admin yourself.")
	handOver := fs.Bool("hand-over", false, "hand the group over: stop being an admin yourself")
	pos, err := parseInterspersed(e, fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usageErr(e, fs, "name the group and the member (name or id)")
	}
	ctx, stop := interruptible()
	defer stop()
	m, err := c.MakeAdmin(ctx, pos[0], pos[1], *handOver)
	if err != nil {
		return err
	}
	if *handOver {
		fmt.Fprintf(e.stdout, "handed %s over to %s; you are a member now\n", pos[0], orID(m))
		return nil
	}
	fmt.Fprintf(e.stdout, "%s is an admin of %s now\n", orID(m), pos[0])
	return nil
}

func orID(m group.MemberInfo) string {
	if m.Name != "" {
		return m.Name
	}
	return m.ID
}

// checkGroup resolves --group for a shared note: the named group must exist; a bare
// --group means the member's only group.
func checkGroup(st *store.Store, name string) (string, error) {
	if name != "" {
		if _, err := st.Group(name); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return "", fmt.Errorf("you are in no group named %q (see dagsorden group list)", name)
			}
			return "", err
		}
		return name, nil
	}
	gs, err := st.Groups()
	if err != nil {
		return "", err
	}
	switch len(gs) {
	case 0:
		return "", errors.New("you are in no group yet: join one with 'dagsorden group join CODE'")
	case 1:
		return gs[0].Name, nil
	}
	return "", errors.New("you are in several groups: say which with --group NAME")
}

func cmdBrief(e *env, args []string) error {
	fs := newFlags(e, "brief", "MEETING [--body B] [--group NAME] --format md|html [--out FILE]",
		"Write the brief for the formøde: per item the recommendations, the group's tally\n"+
			"and notes (only your own notes without --group). HTML is print-ready on A4.")
	grp := fs.String("group", "", "the group `NAME` whose positions to include")
	format := fs.String("format", "md", "md (pastes into a mail) or html (prints on A4)")
	out := fs.String("out", "", "write to `FILE` (0600) instead of standard output")
	body := fs.String("body", "", "with a date as MEETING: the body `B` when several met that day")
	arg, err := oneArg(e, fs, args, "name the meeting by its id or date (see 'dagsorden meetings')")
	if err != nil {
		return err
	}
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	m, err := findMeeting(st, arg, *body)
	if err != nil {
		return err
	}
	c := &group.Client{Store: st, Author: author()}
	b, err := c.Brief(m.ID, *grp, *format)
	if err != nil {
		return err
	}
	if *out == "" {
		_, err = e.stdout.Write(b)
		return err
	}
	if err := os.WriteFile(*out, b, 0o600); err != nil {
		return fmt.Errorf("write the brief: %w", err)
	}
	fmt.Fprintf(e.stdout, "wrote %s\n", *out)
	return nil
}

func cmdServe(e *env, args []string) error {
	fs := newFlags(e, "serve", "[FEED_DIR] --addr HOST:PORT [--relay-data DIR] [--open-groups] [--trusted-proxy CIDR]…",
		"Serve a feed folder and/or the group relay over HTTP. The relay keeps its own store in\n"+
			"--relay-data and stores only ciphertext; on its first start it prints an operator\n"+
			"token once: creating a group needs it unless --open-groups is given.")
	addr := fs.String("addr", "127.0.0.1:8080", "listen on `HOST:PORT`")
	relayData := fs.String("relay-data", "", "run the group relay with its store in `DIR`")
	openGroups := fs.Bool("open-groups", false, "let anyone create a group (no operator token needed)")
	var proxies repeated
	fs.Var(&proxies, "trusted-proxy", "a reverse proxy's address or `CIDR` whose X-Forwarded-For names the client (repeatable)")
	pos, err := parseInterspersed(e, fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 || (len(pos) == 0 && *relayData == "") {
		return usageErr(e, fs, "name a feed folder, give --relay-data, or both")
	}
	trusted, err := relay.ParseProxies(proxies)
	if err != nil {
		return fmt.Errorf("--trusted-proxy: %w", err)
	}
	mux := http.NewServeMux()
	if len(pos) == 1 {
		if fi, err := os.Stat(pos[0]); err != nil || !fi.IsDir() {
			return fmt.Errorf("%s is not a folder", pos[0])
		}
		mux = dsync.Handler(pos[0])
	}
	if *relayData != "" {
		logger := slog.New(slog.NewTextHandler(e.stderr, nil))
		r, err := relay.New(*relayData, relay.Options{OpenGroups: *openGroups, Logger: logger, TrustedProxies: trusted})
		if err != nil {
			return err
		}
		defer r.Close()
		if tok := r.OperatorToken(); tok != "" {
			fmt.Fprintf(e.stdout, "relay operator token (shown once; keep it safe):\n%s\n", tok)
		}
		mux.Handle(relay.Prefix+"/", r.Handler())
	}
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	ctx, stop := interruptible()
	defer stop()
	srv := relay.Server(*addr, mux)
	fmt.Fprintf(e.stderr, "serving on http://%s (ctrl+c stops)\n", l.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	}
}
