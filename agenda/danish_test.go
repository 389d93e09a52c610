package agenda

import (
	"testing"
	"time"
)

func TestDanishDates(t *testing.T) {
	d := time.Date(2023, 4, 21, 10, 0, 0, 0, Copenhagen)
	if got := DanishDate(d); got != "21. april 2023" {
		t.Errorf("DanishDate = %q", got)
	}
	if got := DanishDateTime(d); got != "fredag 21. april 2023 kl. 10.00" {
		t.Errorf("DanishDateTime = %q", got)
	}
	if got := DanishDate(time.Date(2017, 5, 2, 22, 30, 0, 0, time.UTC)); got != "3. maj 2017" {
		t.Errorf("DanishDate keeps Copenhagen's day: %q", got)
	}
	if DanishDate(time.Time{}) != "" {
		t.Error("the zero time has a date")
	}
	for s, want := range map[string]time.Month{"marts": 3, "Mar.": 3, "sept": 9, "DECEMBER": 12, "maj": 5} {
		if got, ok := ParseMonth(s); !ok || got != want {
			t.Errorf("ParseMonth(%q) = %v %v", s, got, ok)
		}
	}
	if _, ok := ParseMonth("marts2"); ok {
		t.Error("ParseMonth took a word that is no month")
	}
}

func TestRecommendationAndDecisionHeadings(t *testing.T) {
	for h, want := range map[string]bool{
		"Indstilling": true, "Indstillinger": true, "Supplerende indstilling": true,
		"Direktionens indstilling": true, "Forvaltningen indstiller, at udvalget": true,
		"Forvaltningen foreslår:": true, "Forslag": true, "Forslag til beslutning": true,
		"Administrationens anbefaling": true, "Beslutningspunkter": true,
		"Beslutning": false, "Udvalgets beslutning": false, "Sagsfremstilling": false,
		"Resumé": false, "Økonomiske konsekvenser": false, "": false, "Beslutningskompetence": false,
	} {
		if got := IsRecommendationHeading(h); got != want {
			t.Errorf("IsRecommendationHeading(%q) = %v", h, got)
		}
	}
	for h, want := range map[string]bool{
		"Beslutning": true, "Beslutning i Udvalget for plan den 20-06-2013": true, "Udvalgets beslutning": true,
		"Beslutningen træffes af": false, "Beslutningskompetence": false, "Beslutningspunkter": false, "Indstilling": false,
	} {
		if got := IsDecisionHeading(h); got != want {
			t.Errorf("IsDecisionHeading(%q) = %v", h, got)
		}
	}
}
