#!/bin/sh
# usage: sh dbg-curve.sh rounds commits — interleaved before/after over every size
for r in $(seq 1 $1); do for n in 1 100 1000 10000 100000; do for d in scratch/dist-before dist; do node dbg-measure.mjs $d scratch/gf/gf-$n $2; done; done; done
