package main

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/dagsorden/dagsorden/store"
	"github.com/dagsorden/dagsorden/sync/group"
)

func newGroupCmd(e *env) *cobra.Command {
	return parent(&cobra.Command{
		Use:   "group",
		Short: "Share notes with your party group, end-to-end encrypted.",
		Long: "A group shares chosen notes and stances end-to-end encrypted through a relay that\n" +
			"cannot read them. Share a note with: dagsorden note add ITEM --group NAME --text …\n" +
			"Who is a member is decided by the group's signed member list, not by the relay.\n" +
			"Give invite codes out of band (in person, Signal): they carry the group's current key.",
		Example: `dagsorden group create A-gruppen --server https://relay.example.dk --server-token T
dagsorden group invite A-gruppen
dagsorden group join CODE
dagsorden group members A-gruppen`,
	}, newGroupCreateCmd(e), newGroupInviteCmd(e), newGroupJoinCmd(e), newGroupListCmd(e),
		newGroupMembersCmd(e), newGroupRemoveCmd(e), newGroupAdminCmd(e))
}

// withGroups runs fn with a group client on the opened store.
func (e *env) withGroups(fn func(c *group.Client) error) error {
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(&group.Client{Store: st, Author: author()})
}

func newGroupCreateCmd(e *env) *cobra.Command {
	var server, token string
	var insecure bool
	c := &cobra.Command{
		Use:   "create NAME --server URL",
		Short: "Create a group on a relay; you become its admin.",
		Long:  "Create a group on a relay; you become its admin. Prints an invite code as the last line.",
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 || server == "" {
				return usageErr(c, "name the group and give --server")
			}
			return nil
		},
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(_ *cobra.Command, args []string) error {
			return e.withGroups(func(c *group.Client) error {
				c.Insecure = insecure
				ctx, stop := interruptible()
				defer stop()
				info, err := c.Create(ctx, args[0], server, token)
				if err != nil {
					return err
				}
				code, err := c.Invite(ctx, args[0], false)
				if err != nil {
					return fmt.Errorf("group %s created, but no invite could be made: %w", args[0], err)
				}
				fmt.Fprintf(e.stdout, "created group %s on %s; you are its admin\ninvite code (one use; give it out of band):\n%s\n", info.Name, info.Server, code)
				return nil
			})
		},
	}
	c.Flags().StringVar(&server, "server", "", "the relay's URL, e.g. https://relay.example.dk")
	c.Flags().StringVar(&token, "server-token", "", "the relay operator's TOKEN (not needed with --open-groups)")
	c.Flags().BoolVar(&insecure, "insecure", false, "allow plain http to a relay that is not on this machine")
	return c
}

func newGroupInviteCmd(e *env) *cobra.Command {
	var history bool
	c := &cobra.Command{
		Use:   "invite NAME",
		Short: "Make a one-time invite code for the group (admin only).",
		Long: "Make a one-time invite code for the group (admin only; valid 7 days). The code is the\n" +
			"last line. It carries the group's current key: the new member reads what is written\n" +
			"from now on, not what was written before, unless you give --with-history.",
		Args:              exactArgs(1, "name the group"),
		ValidArgsFunction: e.completeGroupArg,
		RunE: func(_ *cobra.Command, args []string) error {
			return e.withGroups(func(c *group.Client) error {
				ctx, stop := interruptible()
				defer stop()
				code, err := c.Invite(ctx, args[0], history)
				if err != nil {
					return err
				}
				what := "one use, for 7 days; give it out of band"
				if history {
					what += "; it opens the group's earlier notes too"
				}
				fmt.Fprintf(e.stdout, "invite code for %s (%s):\n%s\n", args[0], what, code)
				return nil
			})
		},
	}
	c.Flags().BoolVar(&history, "with-history", false, "let the new member read the group's earlier notes too (every earlier key goes in the code)")
	return c
}

func newGroupJoinCmd(e *env) *cobra.Command {
	var name string
	var insecure bool
	c := &cobra.Command{
		Use:               "join CODE",
		Short:             "Join a group with an invite code.",
		Args:              exactArgs(1, "give the invite code"),
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(_ *cobra.Command, args []string) error {
			return e.withGroups(func(c *group.Client) error {
				c.Insecure = insecure
				ctx, stop := interruptible()
				defer stop()
				info, err := c.Join(ctx, args[0], name)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "joined group %s on %s (%s)\n", info.Name, info.Server, plural(info.Members, "member", "members"))
				return nil
			})
		},
	}
	c.Flags().StringVar(&name, "name", "", "call the group LOCAL_NAME here (when you already have a group of that name)")
	c.Flags().BoolVar(&insecure, "insecure", false, "allow plain http to a relay that is not on this machine")
	return c
}

func newGroupListCmd(e *env) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "list",
		Short: "List your groups.",
		Args:  noArgs,
		RunE: func(*cobra.Command, []string) error {
			return e.withGroups(func(c *group.Client) error { return groupList(e, c, asJSON) })
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "write JSON")
	return c
}

func groupList(e *env, c *group.Client, asJSON bool) error {
	infos, err := c.List()
	if err != nil {
		return err
	}
	if asJSON {
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

func newGroupMembersCmd(e *env) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "members NAME",
		Short: "List the group's members, from its signed member list.",
		Long: "List the group's members, from its signed member list. A member the server lists\n" +
			"that the signed list does not hold is shown as a warning: it gets no key.",
		Args:              exactArgs(1, "name the group"),
		ValidArgsFunction: e.completeGroupArg,
		RunE: func(_ *cobra.Command, args []string) error {
			return e.withGroups(func(c *group.Client) error { return groupMembers(e, c, args[0], asJSON) })
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "write JSON")
	return c
}

func groupMembers(e *env, c *group.Client, name string, asJSON bool) error {
	ctx, stop := interruptible()
	defer stop()
	ms, err := c.Members(ctx, name)
	if err != nil {
		return err
	}
	if asJSON {
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
			fmt.Fprintf(e.stderr, "warning: the server lists an unknown member %s in %s: it is not in the group's signed member list and gets no key (the relay, or someone who controls it, added it)\n", m.ID, name)
		}
	}
	return nil
}

func newGroupRemoveCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "remove NAME MEMBER",
		Short: "Remove a member (admin only); the group's key is replaced.",
		Long: "Remove a member (admin only). The group's key is replaced, so the removed member\n" +
			"cannot read anything written afterwards.",
		Args:              exactArgs(2, "name the group and the member (name or id)"),
		ValidArgsFunction: e.completeGroupAndMember,
		RunE: func(_ *cobra.Command, args []string) error {
			return e.withGroups(func(c *group.Client) error {
				ctx, stop := interruptible()
				defer stop()
				m, err := c.Remove(ctx, args[0], args[1])
				if err != nil {
					return err
				}
				if m.Unknown {
					fmt.Fprintf(e.stdout, "the server no longer lists %s in %s (it was never in the signed member list)\n", m.ID, args[0])
					return nil
				}
				fmt.Fprintf(e.stdout, "removed %s from %s; the group key was replaced\n", orID(m), args[0])
				return nil
			})
		},
	}
}

func newGroupAdminCmd(e *env) *cobra.Command {
	var handOver bool
	c := &cobra.Command{
		Use:   "admin NAME MEMBER",
		Short: "Make a member an admin of the group (admin only).",
		Long: "Make a member an admin of the group (admin only): they can invite, remove and hand over\n" +
			"too. With --hand-over you stop being an admin yourself.",
		Args:              exactArgs(2, "name the group and the member (name or id)"),
		ValidArgsFunction: e.completeGroupAndMember,
		RunE: func(_ *cobra.Command, args []string) error {
			return e.withGroups(func(c *group.Client) error {
				ctx, stop := interruptible()
				defer stop()
				m, err := c.MakeAdmin(ctx, args[0], args[1], handOver)
				if err != nil {
					return err
				}
				if handOver {
					fmt.Fprintf(e.stdout, "handed %s over to %s; you are a member now\n", args[0], orID(m))
					return nil
				}
				fmt.Fprintf(e.stdout, "%s is an admin of %s now\n", orID(m), args[0])
				return nil
			})
		},
	}
	c.Flags().BoolVar(&handOver, "hand-over", false, "hand the group over: stop being an admin yourself")
	return c
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
