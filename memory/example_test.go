package memory_test

import (
	"fmt"

	"github.com/bitnet-go/bitnet-bench/memory"
)

// A pool hands out typed buffers from size classes (small) or the buddy
// allocator (large); with Basic tracking it counts what is live.
func Example() {
	pool, err := memory.New(memory.Config{Name: "example", Tracking: memory.TrackBasic})
	if err != nil {
		panic(err)
	}
	defer pool.Close()

	acts, err := pool.AllocInt8(2560) // one token of int8 activations
	if err != nil {
		panic(err)
	}
	weights, err := pool.AllocBytes(6912*640, 64) // 2-bit weights of a 6912×2560 projection
	if err != nil {
		panic(err)
	}
	fmt.Println("lengths:", acts.Len(), len(weights.Data()))
	fmt.Println("live blocks:", pool.Stats().LiveBlocks)

	if err := acts.Free(); err != nil {
		panic(err)
	}
	if err := weights.Free(); err != nil {
		panic(err)
	}
	fmt.Println("live blocks after free:", pool.Stats().LiveBlocks)
	// Output:
	// lengths: 2560 4423680
	// live blocks: 2
	// live blocks after free: 0
}
