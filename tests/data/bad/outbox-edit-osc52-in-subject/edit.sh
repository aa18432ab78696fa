#!/bin/sh
printf "To: bureau@garda.example\nSubject: Hi \033]52;c;ZXZpbA==\007\n\nBody.\n" >"$1"
