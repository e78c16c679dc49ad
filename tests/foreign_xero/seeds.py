"""The seeds' example answers, verbatim (copied from /work/shared/seeds/000, 001, 002).

SEED_002_OK and SEED_002_VALIDATION are the JSON examples re-serialised unchanged."""

SEED_000_REQUEST = (
    "<Contact> <ContactNumber>C20081234</ContactNumber> <ContactStatus>ACTIVE</ContactStatus> <"
    "Name>Red House Reads</Name> <EmailAddress>accounts@redhousereads.co.nz</EmailAddress> <Add"
    "resses> <Address> <AddressType>STREET</AddressType> <AddressLine1></AddressLine1> <Address"
    "Line2></AddressLine2> <AddressLine3></AddressLine3> <AddressLine4></AddressLine4> <City></"
    "City> <Region></Region> <PostalCode></PostalCode> <Country></Country> </Address> <Address>"
    " <AddressType>POBOX</AddressType> <AddressLine1>Lvl 1</AddressLine1> <AddressLine2>Herd St"
    " Building</AddressLine2> <AddressLine3>Herd St</AddressLine3> <AddressLine4>Wellington</Ad"
    "dressLine4> <City>Wellington</City> <Region>Wellington</Region> <PostalCode>6011</PostalCo"
    "de> <Country>New Zealand</Country> </Address> </Addresses> <Phones> <Phone> <PhoneType>DDI"
    "</PhoneType> <PhoneNumber>1234567</PhoneNumber> <PhoneAreaCode>4</PhoneAreaCode> <PhoneCou"
    "ntryCode>64</PhoneCountryCode> </Phone> <Phone> <PhoneType>DEFAULT</PhoneType> <PhoneNumbe"
    "r>1234567</PhoneNumber> <PhoneAreaCode>4</PhoneAreaCode> <PhoneCountryCode>64</PhoneCountr"
    "yCode> </Phone> <Phone> <PhoneType>MOBILE</PhoneType> <PhoneNumber>123123</PhoneNumber> <P"
    "honeAreaCode>21</PhoneAreaCode> <PhoneCountryCode>64</PhoneCountryCode> </Phone> <Phone> <"
    "PhoneType>FAX</PhoneType> <PhoneNumber>1234568</PhoneNumber> <PhoneAreaCode>4</PhoneAreaCo"
    "de> <PhoneCountryCode>64</PhoneCountryCode> </Phone> </Phones> <SkypeUserName>echo123</Sky"
    "peUserName> <BankAccountDetails>123-456-789</BankAccountDetails> </Contact>"
)

SEED_000_ANSWER = (
    '<Response xmlns:i="http://www.w3.org/2001/XMLSchema-instance"> <ID>751ec648-919f-41bd-9fac'
    "-4068e27fece6</ID> <Status>OK</Status> <ProviderName>XeroTest</ProviderName> <DateTimeUTC>"
    "2008-12-02T21:09:24.654875Z</DateTimeUTC> <Contact> <ContactID>74141f5b-c409-4ddc-8f10-a2e"
    "6823c2b19</ContactID> <ContactNumber>C20081234</ContactNumber> <ContactStatus>ACTIVE</Cont"
    "actStatus> <Name>Red House Reads</Name> <EmailAddress>accounts@redhousereads.co.nz</EmailA"
    "ddress> <Addresses> <Address> <AddressType>STREET</AddressType> <AddressLine1></AddressLin"
    "e1> <AddressLine2></AddressLine2> <AddressLine3></AddressLine3> <AddressLine4></AddressLin"
    "e4> <City></City> <Region></Region> <PostalCode></PostalCode> <Country></Country> </Addres"
    "s> <Address> <AddressType>POBOX</AddressType> <AddressLine1>Lvl 1</AddressLine1> <AddressL"
    "ine2>Herd St Building</AddressLine2> <AddressLine3>Herd St</AddressLine3> <AddressLine4>We"
    "llington</AddressLine4> <City>Wellington</City> <Region>Wellington</Region> <PostalCode>60"
    "11</PostalCode> <Country>New Zealand</Country> </Address> </Addresses> <Phones> <Phone> <P"
    "honeType>DEFAULT</PhoneType> <PhoneNumber>1234567</PhoneNumber> <PhoneAreaCode>4</PhoneAre"
    "aCode> <PhoneCountryCode>64</PhoneCountryCode> </Phone> <Phone> <PhoneType>DDI</PhoneType>"
    " <PhoneNumber>1234567</PhoneNumber> <PhoneAreaCode>4</PhoneAreaCode> <PhoneCountryCode>64<"
    "/PhoneCountryCode> </Phone> <Phone> <PhoneType>FAX</PhoneType> <PhoneNumber>1234568</Phone"
    "Number> <PhoneAreaCode>4</PhoneAreaCode> <PhoneCountryCode>64</PhoneCountryCode> </Phone> "
    "<Phone> <PhoneType>MOBILE</PhoneType> <PhoneNumber>123123</PhoneNumber> <PhoneAreaCode>21<"
    "/PhoneAreaCode> <PhoneCountryCode>64</PhoneCountryCode> </Phone> </Phones> <UpdatedDateUTC"
    ">2008-12-02T21:09:24.748625Z</UpdatedDateUTC> <SkypeUserName>echo123</SkypeUserName> <Bank"
    "AccountDetails>123-456-789</BankAccountDetails> </Contact> </Response>"
)

SEED_001_ANSWER = (
    "<Response> <ID>e3f25470-d80a-47d5-9bfc-2efd964c3cbd</ID> <Status>OK</Status> <ProviderName"
    ">XeroTest</ProviderName> <DateTimeUTC>2008-04-18T03:30:46.9953372Z </DateTimeUTC> <Contact"
    "s> <Contact> <ContactID>4c76ffb5-02e7-47c5-9a86-b0a5a35d1682</ContactID> <ContactNumber>C2"
    "0081234</ContactNumber> <ContactStatus>ACTIVE</ContactStatus> <Name>Red House Reads</Name>"
    " <EmailAddress>accounts@redhousereads.co.nz</EmailAddress> <Addresses> <Address> <AddressT"
    "ype>STREET</AddressType> <AddressLine1></AddressLine1> <AddressLine2></AddressLine2> <Addr"
    "essLine3></AddressLine3> <AddressLine4></AddressLine4> <City></City> <Region></Region> <Po"
    "stalCode></PostalCode> <Country></Country> </Address> <Address> <AddressType>POBOX</Addres"
    "sType> <AddressLine1>Lvl 1</AddressLine1> <AddressLine2>Herd St Building</AddressLine2> <A"
    "ddressLine3>Herd St</AddressLine3> <AddressLine4>Wellington</AddressLine4> <City>Wellingto"
    "n</City> <Region>Wellington</Region> <PostalCode>6011</PostalCode> <Country>New Zealand</C"
    "ountry> </Address> </Addresses> <Phones> <Phone> <PhoneType>DDI</PhoneType> <PhoneNumber>1"
    "234567</PhoneNumber> <PhoneAreaCode>4</PhoneAreaCode> <PhoneCountryCode>64</PhoneCountryCo"
    "de> </Phone> <Phone> <PhoneType>DEFAULT</PhoneType> <PhoneNumber>1234567</PhoneNumber> <Ph"
    "oneAreaCode>4</PhoneAreaCode> <PhoneCountryCode>64</PhoneCountryCode> </Phone> <Phone> <Ph"
    "oneType>MOBILE</PhoneType> <PhoneNumber>123123</PhoneNumber> <PhoneAreaCode>21</PhoneAreaC"
    "ode> <PhoneCountryCode>64</PhoneCountryCode> </Phone> <Phone> <PhoneType>FAX</PhoneType> <"
    "PhoneNumber>1234568</PhoneNumber> <PhoneAreaCode>4</PhoneAreaCode> <PhoneCountryCode>64</P"
    "honeCountryCode> </Phone> </Phones> <UpdatedDateUTC>2008-04-18T03:30:46</UpdatedDateUTC> <"
    "SkypeUserName>echo123</SkypeUserName> <BankAccountDetails>123-456-789</BankAccountDetails>"
    " </Contact> </Contacts> </Response>"
)

SEED_002_OK = (
    '{\n "Id": "e997d6d7-6dad-4458-beb8-d9c1bf7f2edf",\n "Status": "OK",\n "ProviderName": "Xero A'
    'PI Partner",\n "DateTimeUTC": "/Date(1551399321121)/",\n "Contacts": [\n  {\n   "ContactID": "'
    '3ff6d40c-af9a-40a3-89ce-3c1556a25591",\n   "ContactStatus": "ACTIVE",\n   "CompanyNumber": "'
    'NumberBusiness1234",\n   "Name": "Foo9987",\n   "EmailAddress": "sid32476@blah.com",\n   "Ban'
    'kAccountDetails": "",\n   "Addresses": [\n    {\n     "AddressType": "STREET",\n     "City": "'
    '",\n     "Region": "",\n     "PostalCode": "",\n     "Country": ""\n    },\n    {\n     "Address'
    'Type": "POBOX",\n     "City": "",\n     "Region": "",\n     "PostalCode": "",\n     "Country":'
    ' ""\n    }\n   ],\n   "Phones": [\n    {\n     "PhoneType": "DEFAULT",\n     "PhoneNumber": "",\n'
    '     "PhoneAreaCode": "",\n     "PhoneCountryCode": ""\n    },\n    {\n     "PhoneType": "DDI"'
    ',\n     "PhoneNumber": "",\n     "PhoneAreaCode": "",\n     "PhoneCountryCode": ""\n    },\n   '
    ' {\n     "PhoneType": "FAX",\n     "PhoneNumber": "",\n     "PhoneAreaCode": "",\n     "PhoneC'
    'ountryCode": ""\n    },\n    {\n     "PhoneType": "MOBILE",\n     "PhoneNumber": "555-1212",\n '
    '    "PhoneAreaCode": "415",\n     "PhoneCountryCode": ""\n    }\n   ],\n   "UpdatedDateUTC": "'
    '/Date(1551399321043+0000)/",\n   "ContactGroups": [],\n   "IsSupplier": false,\n   "IsCustome'
    'r": false,\n   "SalesDefaultLineAmountType": "INCLUSIVE",\n   "PurchasesDefaultLineAmountTyp'
    'e": "INCLUSIVE",\n   "SalesTrackingCategories": [],\n   "PurchasesTrackingCategories": [],\n '
    '  "PaymentTerms": {\n    "Bills": {\n     "Day": 15,\n     "Type": "OFCURRENTMONTH"\n    },\n  '
    '  "Sales": {\n     "Day": 10,\n     "Type": "DAYSAFTERBILLMONTH"\n    }\n   },\n   "ContactPers'
    'ons": [],\n   "HasValidationErrors": false\n  }\n ]\n}'
)

SEED_002_VALIDATION = (
    '{\n "ErrorNumber": 10,\n "Type": "ValidationException",\n "Message": "A validation exception '
    'occurred",\n "Elements": [\n  {\n   "ContactID": "00000000-0000-0000-0000-000000000000",\n   "'
    'AccountNumber": "12345-ABCD",\n   "Name": "Buzz Lightyear",\n   "EmailAddress": "buzzlightye'
    'ar@email.com",\n   "AccountsReceivableTaxType": "NONE",\n   "AccountsPayableTaxType": "INPUT'
    '",\n   "Addresses": [\n    {\n     "AddressType": "STREET",\n     "AddressLine1": "101 Green S'
    't",\n     "AddressLine2": "5th floor",\n     "City": "San Francisco",\n     "Region": "CA",\n '
    '    "PostalCode": "94041",\n     "Country": "US",\n     "AttentionTo": "Rod Drury",\n     "Va'
    'lidationErrors": []\n    }\n   ],\n   "Phones": [\n    {\n     "PhoneType": "MOBILE",\n     "Pho'
    'neNumber": "555-1212",\n     "PhoneAreaCode": "415",\n     "ValidationErrors": []\n    }\n   ]'
    ',\n   "ContactGroups": [],\n   "PaymentTerms": {\n    "Bills": {\n     "Day": 15,\n     "Type":'
    ' "OFCURRENTMONTH",\n     "ValidationErrors": []\n    },\n    "Sales": {\n     "Day": 10,\n     '
    '"Type": "DAYSAFTERBILLMONTH",\n     "ValidationErrors": []\n    }\n   },\n   "ContactPersons":'
    ' [],\n   "HasValidationErrors": true,\n   "ValidationErrors": [\n    {\n     "Message": "The c'
    "ontact name Buzz Lightyear is already assigned to another contact. The contact name must b"
    'e unique across all active contacts."\n    }\n   ]\n  }\n ]\n}'
)
