package datagen

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
)

// The Nexmark kinds draw their strings from fixed tables, built once from a
// fixed PRNG (so the same for every seed) the first time a Nexmark source is
// created: the seed picks among them, and a generated row allocates nothing.
var (
	usStates   = []string{"AZ", "CA", "ID", "OR", "WA", "WY"}
	usCities   = []string{"Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"}
	firstNames = []string{"Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"}
	lastNames  = []string{"Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"}

	hotChannels = []string{"Google", "Facebook", "Baidu", "Apple"}
)

const (
	textPoolLen = 8192 // random text; item names, descriptions and extras are slices of it
	numEmails   = 1024
	numCards    = 1024
)

// nexmarkTables holds the strings of the Nexmark kinds.
type nexmarkTables struct {
	pool     string   // lower-case words separated by single spaces
	names    []string // "First Last"
	emails   []string
	cards    []string // "dddd dddd dddd dddd"
	hotURLs  []string // the URL of each hot channel
	channels []string // "channel-N", N < numChannels
	urls     []string // channel N's URL; 9 in 10 carry a channel_id
}

var nexmarkOnce = sync.OnceValue(newNexmarkTables)

func newNexmarkTables() *nexmarkTables {
	r := rand.New(rand.NewPCG(0x6e65786d61726b, 2026))
	letters := func(sb *strings.Builder, n int, special byte) {
		for k := 0; k < n; k++ {
			if special != 0 && k > 0 && k < n-1 && r.IntN(13) == 0 {
				sb.WriteByte(special)
				continue
			}
			sb.WriteByte(byte('a' + r.IntN(26)))
		}
	}
	word := func(lo, hi int, special byte) string {
		var sb strings.Builder
		letters(&sb, lo+r.IntN(hi-lo+1), special)
		return sb.String()
	}
	t := &nexmarkTables{}

	var sb strings.Builder
	for sb.Len() < textPoolLen {
		if sb.Len() > 0 {
			sb.WriteByte(' ')
		}
		letters(&sb, 2+r.IntN(9), 0)
	}
	t.pool = sb.String()

	for _, f := range firstNames {
		for _, l := range lastNames {
			t.names = append(t.names, f+" "+l)
		}
	}
	for range numEmails {
		t.emails = append(t.emails, word(3, 7, 0)+"@"+word(3, 5, 0)+".com")
	}
	for range numCards {
		var c strings.Builder
		for k := 0; k < 4; k++ {
			if k > 0 {
				c.WriteByte(' ')
			}
			fmt.Fprintf(&c, "%04d", r.IntN(10000))
		}
		t.cards = append(t.cards, c.String())
	}
	baseURL := func() string {
		return "https://www.nexmark.com/" + word(3, 5, '_') + "/" + word(3, 5, '_') + "/" + word(3, 5, '_') + "/item.htm?query=1"
	}
	for range hotChannels {
		t.hotURLs = append(t.hotURLs, baseURL())
	}
	t.channels = make([]string, numChannels)
	t.urls = make([]string, numChannels)
	for n := range numChannels {
		t.channels[n] = "channel-" + strconv.Itoa(n)
		t.urls[n] = baseURL()
		if r.IntN(10) > 0 {
			id := int64(int32(bits.Reverse32(uint32(n))))
			t.urls[n] += "&channel_id=" + strconv.FormatInt(max(id, -id), 10)
		}
	}
	return t
}

// text returns a slice of the text pool of lo to hi bytes (fewer when an end
// falls on a space, which is dropped).
func (t *nexmarkTables) text(r *rand.Rand, lo, hi int) string {
	n := lo + r.IntN(hi-lo+1)
	off := r.IntN(len(t.pool) - n)
	if t.pool[off] == ' ' {
		off++ // spaces are single: the next byte is a letter
	}
	end := off + n // ≤ len(t.pool)
	if t.pool[end-1] == ' ' {
		end--
	}
	return t.pool[off:end]
}

// extra returns the padding that brings an event of size bytes to about avg
// (within ±20% of the difference), or "" when it is already larger.
func (t *nexmarkTables) extra(r *rand.Rand, size, avg int) string {
	if size >= avg {
		return ""
	}
	d := avg - size
	delta := d / 5
	return t.text(r, d-delta, d+delta)
}
