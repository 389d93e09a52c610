// Package storetest builds large synthetic stores for tests and benchmarks of the store
// and of the packages built on it (ui, sync): realistic Danish council meetings whose
// items are about 4 KB with one to three recommendations.
//
// It is for tests only and writes nothing but the store it is given.
package storetest

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
)

// Generate fills the store in dir with the given number of meetings, each with
// itemsPerMeeting items. The same arguments always give the same meetings.
func Generate(dir string, meetings, itemsPerMeeting int) error {
	s, err := store.Open(dir)
	if err != nil {
		return err
	}
	defer s.Close()
	// Several meetings per transaction: fewer fsyncs, and still small transactions.
	const batch = 25
	for first := 0; first < meetings; first += batch {
		var p agenda.Package
		for i := first; i < min(first+batch, meetings); i++ {
			p.Meetings = append(p.Meetings, Meeting(i, itemsPerMeeting))
		}
		if _, err := s.Import(p); err != nil {
			return fmt.Errorf("generate meetings %d–%d: %w", first, first+len(p.Meetings)-1, err)
		}
	}
	return nil
}

var bodies = []string{
	"Byrådet", "Økonomiudvalget", "Teknik- og Miljøudvalget", "Børne- og Skoleudvalget",
	"Social- og Sundhedsudvalget", "Kultur- og Fritidsudvalget", "Plan- og Boligudvalget",
	"Beskæftigelsesudvalget", "KKR Hovedstaden", "KKR Sjælland",
}

var places = []string{
	"Rådhuset, mødelokale 1", "Rådhuset, byrådssalen", "Glostrup Park Hotel, Hovedvejen 41, 2600 Glostrup",
	"Kulturhuset, sal 2", "Virtuelt møde (Teams)",
}

var titles = []string{
	"Lokalplan %d for boligområdet ved %s",
	"Budgetopfølgning pr. 30. %s",
	"Anlægsbevilling til renovering af %s",
	"Høring om forslag til klimatilpasningsplan for %s",
	"Godkendelse af takster for %s",
	"Udbud af vintertjeneste i %s",
	"Status på sundhedsklynger og det nære sundhedsvæsen i %s",
	"Ansøgning om tilskud fra puljen til %s",
	"Orientering om kvalitetsrapport for skolerne i %s",
	"Beslutning om ny struktur for dagtilbud i %s",
	"Trafiksikkerhedsplan for %s",
	"Regnskab og årsberetning for %s",
}

var places2 = []string{
	"Søndermarken", "Hundige Strand", "Karlslunde", "Tune", "Greve Landsby", "Mosede Havn",
	"Hedelykke", "Stationsbyen", "Nordområdet", "Bymidten", "Havnevej", "Kildebrønde",
}

var months = []string{"januar", "marts", "juni", "september", "oktober"}

var sentences = []string{
	"Forvaltningen har i samarbejde med de berørte parter gennemgået sagen og vurderet de økonomiske og faglige konsekvenser.",
	"Sagen forelægges udvalget til drøftelse og beslutning, da den vedrører kommunens serviceniveau og budget.",
	"Der har været afholdt borgermøde, hvor der indkom i alt 14 høringssvar, som er samlet i bilag 2.",
	"Projektet forventes gennemført inden for den afsatte ramme, men der er usikkerhed om priserne på materialer.",
	"Kommunalbestyrelsen besluttede i foråret at igangsætte en analyse af kapaciteten på området.",
	"Analysen viser, at behovet for pladser vil stige med ca. 8 procent frem mod 2030.",
	"Lokalplanforslaget giver mulighed for at opføre op til 120 boliger i to til fire etager.",
	"Der er tale om en teknisk justering, som ikke ændrer ved de overordnede principper i planen.",
	"Administrationen anbefaler, at sagen sendes i offentlig høring i otte uger.",
	"Udgiften afholdes af den afsatte pulje på anlægsbudgettet for indeværende år.",
	"Handicaprådet og Ældrerådet er hørt og har ingen bemærkninger til forslaget.",
	"Miljøvurderingen konkluderer, at planen ikke vil medføre væsentlig påvirkning af miljøet.",
	"KL og regionen har indgået en aftale om fælles indsatser for borgere med kroniske sygdomme.",
	"Det forventes, at ordningen kan træde i kraft den 1. januar næste år.",
	"Forslaget er udarbejdet på baggrund af dialog med skolebestyrelser, forældre og medarbejdere.",
	"Ændringen medfører en årlig besparelse på ca. 1,2 mio. kr. fra og med budgetåret 2026.",
}

var recs = []string{
	"godkender forslaget til %s",
	"drøfter den videre proces for %s",
	"tager orienteringen om %s til efterretning",
	"frigiver en anlægsbevilling på %d mio. kr. til %s",
	"sender forslaget om %s i offentlig høring i otte uger",
	"beder administrationen om at udarbejde en plan for %s",
}

// Meeting returns synthetic meeting number i with the given number of items; the same i
// always gives the same meeting, ids assigned as an importer would.
func Meeting(i, items int) agenda.Meeting {
	r := rand.New(rand.NewPCG(uint64(i), 0x6461677361))
	body := bodies[i%len(bodies)]
	start := time.Date(2020, 1, 6, 16, 0, 0, 0, agenda.Copenhagen).AddDate(0, 0, i)
	m := agenda.Meeting{
		Body:       agenda.Body{Name: body},
		Kind:       agenda.KindAgenda,
		Title:      "Dagsorden " + start.Format("02-01-2006"),
		Start:      start,
		End:        start.Add(3 * time.Hour),
		Location:   places[r.IntN(len(places))],
		Premeeting: start.Add(-time.Hour),
		Source: agenda.Source{
			Format:        "storetest",
			Site:          "https://dagsordener.eksempel.dk",
			PublicationID: fmt.Sprintf("pub-%d", i),
			Released:      start.AddDate(0, 0, -7),
		},
	}
	group := ""
	for j := range items {
		if j%5 == 0 {
			group = fmt.Sprintf("%d. %s", j/5+1, []string{"Åbne sager", "Sager til beslutning", "Sager til orientering", "Lukkede sager"}[(j/5)%4])
		}
		m.Items = append(m.Items, item(r, j, group))
	}
	agenda.AssignIDs(&m)
	return m
}

func item(r *rand.Rand, j int, group string) agenda.Item {
	place := places2[r.IntN(len(places2))]
	tpl := titles[r.IntN(len(titles))]
	var title string
	switch strings.Count(tpl, "%") {
	case 2:
		title = fmt.Sprintf(tpl, 100+r.IntN(400), place)
	default:
		if strings.Contains(tpl, "30. %s") {
			title = fmt.Sprintf(tpl, months[r.IntN(len(months))])
		} else {
			title = fmt.Sprintf(tpl, place)
		}
	}
	para := func(n int) string {
		var b strings.Builder
		for k := range n {
			if k > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(sentences[r.IntN(len(sentences))])
		}
		return b.String()
	}
	var body strings.Builder
	for k := range 5 {
		if k == 2 {
			body.WriteString("### Økonomi\n\n")
		}
		body.WriteString(para(5))
		body.WriteString("\n\n")
	}
	var ind strings.Builder
	ind.WriteString("Forvaltningen indstiller, at udvalget:\n\n")
	subject := strings.ToLower(title[:1]) + title[1:]
	for k := range 1 + r.IntN(3) {
		t := recs[(r.IntN(len(recs))+k)%len(recs)]
		if strings.Count(t, "%") == 2 {
			t = fmt.Sprintf(t, 1+r.IntN(20), subject)
		} else {
			t = fmt.Sprintf(t, subject)
		}
		ind.WriteString("- " + t + "\n")
	}
	it := agenda.Item{
		SourceID:    fmt.Sprintf("src-%08x", r.Uint32()),
		Number:      fmt.Sprint(j + 1),
		Group:       group,
		Title:       title,
		CaseNumber:  fmt.Sprintf("%02d/%05d", 20+r.IntN(6), r.IntN(100000)),
		CaseHandler: []string{"gitb", "mhan", "lkr", ""}[r.IntN(4)],
		Closed:      j%10 == 9,
		Sections: []agenda.Section{
			{Heading: "Resume", Text: para(2)},
			{Heading: "Sagsfremstilling", Text: strings.TrimSpace(body.String())},
			{Heading: "Økonomiske konsekvenser", Text: para(2)},
			{Heading: "Indstilling", Text: strings.TrimSpace(ind.String())},
		},
	}
	it.Recommendations = agenda.Recommendations(it.Sections[3].Text)
	for k := range r.IntN(3) {
		it.Attachments = append(it.Attachments, agenda.Attachment{
			SourceID:  fmt.Sprintf("bilag-%08x", r.Uint32()),
			Title:     fmt.Sprintf("Bilag %d: %s", k+1, []string{"Høringssvar", "Kortbilag", "Økonomioversigt", "Notat"}[r.IntN(4)]),
			MediaType: "application/pdf",
			URL:       fmt.Sprintf("https://dagsordener.eksempel.dk/vis/pdf/bilag/%08x?redirectDirectlyToPdf=true", r.Uint32()),
		})
	}
	return it
}

// noteTexts are what members write: short, about the case, with the words the agendas use.
var noteTexts = []string{
	"Spørg forvaltningen om finansieringen af %s før mødet.",
	"Vi støtter forslaget om %s, men vil have en opfølgning i efteråret.",
	"Imod: %s rammer borgerne i yderområderne hårdest.",
	"Tjek høringssvarene om %s – hvad siger handicaprådet?",
	"Tal med gruppen om %s på formødet; kan vi stille et ændringsforslag?",
}

// Notes saves n notes (the member's own), spread over the store's items, every fourth
// on the item and the rest on a recommendation; the same store and n give the same notes.
func Notes(dir string, n int) error {
	s, err := store.Open(dir)
	if err != nil {
		return err
	}
	defer s.Close()
	ms, err := s.Meetings()
	if err != nil {
		return err
	}
	if len(ms) == 0 {
		return fmt.Errorf("no meetings to write notes on")
	}
	r := rand.New(rand.NewPCG(uint64(n), 0x6e6f746573))
	for i := range n {
		m := ms[r.IntN(len(ms))]
		it := m.Items[r.IntN(len(m.Items))]
		a := agenda.Anchor{ItemID: it.ID}
		if i%4 != 0 && it.Recommendations > 0 {
			rec := r.IntN(it.Recommendations)
			a.Recommendation = &rec
		}
		subject := strings.ToLower(it.Title)
		note := agenda.Note{Anchor: a, Stance: agenda.Stances[r.IntN(len(agenda.Stances))],
			Text: fmt.Sprintf(noteTexts[r.IntN(len(noteTexts))], subject)}
		if err := s.SaveNote(&note); err != nil {
			return fmt.Errorf("note %d: %w", i, err)
		}
	}
	return nil
}
