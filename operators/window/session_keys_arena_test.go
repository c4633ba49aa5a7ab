package window

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/weirdb/weir/catalog"
	"github.com/weirdb/weir/coldata"
)

// TestKeyArenaChurn creates and frees (VARCHAR, BIGINT) keys at random,
// as sessions of many users do, and checks after every step that each live
// key is found under its id with its values, that values handed out
// earlier (as output rows hold them) are unchanged after the arena
// compacted, and that the arena's bytes stay bounded by the live ones.
func TestKeyArenaChurn(t *testing.T) {
	schema := catalog.Schema{{Name: "u", Type: catalog.Varchar}, {Name: "n", Type: catalog.Bigint}}
	kt := newKeyTable([]catalog.Type{catalog.Varchar, catalog.Bigint})
	b := coldata.NewBatch(schema, 1)
	b.Reset(1)
	name := func(k int) string { return fmt.Sprintf("user-%d-%s", k, string(rune('a'+k%26))) }
	encode := func(k int) []byte {
		b.Cols[0].Str[0] = name(k)
		b.Cols[1].I64[0] = int64(k) * 7
		if k%10 == 0 {
			b.Cols[1].Nulls.Set(0)
		} else {
			b.Cols[1].Nulls.Unset(0)
		}
		return kt.encode(b, []int{0, 1}, 0)
	}
	live := map[int]uint32{}
	type held struct {
		s    string
		want string
	}
	var kept []held
	rng := rand.New(rand.NewPCG(1, 2))
	compactions := 0
	prevHeld := 0
	for step := range 200_000 {
		if kt.arena.held < prevHeld {
			compactions++ // (only a compaction gives chunk bytes back)
		}
		prevHeld = kt.arena.held
		k := rng.IntN(20_000)
		if id, ok := live[k]; ok && rng.IntN(2) == 0 {
			kt.unref(id)
			delete(live, k)
		} else if !ok {
			id, fresh := kt.lookup(encode(k))
			require.True(t, fresh)
			kt.ref(id)
			live[k] = id
			if step%97 == 0 {
				kept = append(kept, held{kt.vals[0].Str[id], name(k)})
			}
		}
		if step%5000 == 0 || step == 199_999 {
			require.Equal(t, len(live), kt.live())
			for k, id := range live {
				got, fresh := kt.lookup(encode(k))
				require.False(t, fresh)
				require.Equal(t, id, got)
				require.Equal(t, name(k), kt.vals[0].Str[id])
				if k%10 == 0 {
					require.True(t, kt.vals[1].Nulls.IsNull(int(id)))
				} else {
					require.Equal(t, int64(k)*7, kt.vals[1].I64[id])
				}
			}
			for _, h := range kept {
				require.Equal(t, h.want, h.s)
			}
			require.LessOrEqual(t, kt.arena.held, 2*kt.arena.live+max(16*keyArenaChunk, len(kt.enc))+keyArenaChunk)
		}
	}
	// The arena compacted as keys came and went (the bound above needs it).
	require.Positive(t, compactions)
}
