package store

import bolt "go.etcd.io/bbolt"

// IndexBytes is the space the full-text index takes in the file (pages allocated to its
// buckets), for the benchmark that reports it.
func IndexBytes(s *Store) (index, file int64, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketSearchDocs, bucketPostings, bucketTerms, bucketOwners, bucketSealedDocs} {
			b := tx.Bucket(name)
			if b == nil {
				continue
			}
			st := b.Stats()
			index += int64(st.BranchAlloc + st.LeafAlloc)
		}
		file = tx.Size()
		return nil
	})
	return index, file, err
}
